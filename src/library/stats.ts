import type { CrossModalEdgesRecord } from '../index/cross-modal-edges.js';
import { HnswIndex, type VectorIndex } from '../index/index.js';
import {
  type CalibrationSource,
  QUERY_MODALITIES,
  type QueryModality,
  type RecallCalibrationRecord,
  type SegmentStore,
  searchEf,
} from '../store/index.js';
import type { Manifest } from '../store/manifest.js';
import { totalDuration } from '../store/video-facts.js';
import { type MemoryNeeds, memoryNeeds } from './capacity.js';
import { chosenKind, currentSidecar } from './index-sync.js';

/** The ef a query modality's searches use, and why. */
export interface ModalitySearchEf {
  ef: number;
  /** calibrated: measured for this modality; fixed: set by setSearchEf; default: by library size and modality, not measured. */
  basis: 'calibrated' | 'fixed' | 'default';
  /** With `calibrated`: the recall@k measured at `ef` and what on. */
  recall?: number;
  source?: CalibrationSource;
  queries?: number;
}

export interface LibraryStats {
  index_id: string;
  videos: number;
  segments: number;
  dimension: number | null;
  model: string | null;
  total_duration: number;
  index: {
    kind: 'hnsw' | 'exact' | 'none';
    M: number;
    efConstruction: number;
    ef: number;
    count: number;
    /** What each query modality's searches use (an exact index answers every one exactly). */
    search_ef: Record<QueryModality, ModalitySearchEf>;
    calibration?: RecallCalibrationRecord;
    /** The level-0 links projected from cached cross-modal queries the graph holds (`vsearch build --cross-modal-edges`). */
    cross_modal_links?: CrossModalEdgesRecord;
    /** The saved HNSW graph file's size, when the saved graph covers the store's current files. */
    graph_file_bytes?: number;
  };
  bytes: number;
  /** The memory searches need: the vectors, and the HNSW graph (once the library is searched through one). */
  memory: MemoryNeeds;
}

/**
 * `index` is the library's index when it has been read for the current generation, else
 * undefined: the stats then come from the manifest and the saved sidecar, without reading the
 * graph (an index in step with the store holds every segment of it).
 */
export async function libraryStats(store: SegmentStore, index: VectorIndex | undefined): Promise<LibraryStats> {
  const kind = store.manifest.dimension === null ? undefined : chosenKind(store);
  const searched = index ?? (kind === undefined ? undefined : { kind, size: store.manifest.counts.segments });
  const stats = manifestStats(store.manifest, totalDuration(store.videoFacts), searched, await store.bytesOnDisk());
  if (searched?.kind !== 'hnsw') return stats;
  const sidecar = await currentSidecar(store);
  const links = index instanceof HnswIndex ? index.crossModalEdges : sidecar?.crossModalEdges;
  return {
    ...stats,
    index: {
      ...stats.index,
      ...(sidecar?.graphBytes === undefined ? {} : { graph_file_bytes: sidecar.graphBytes }),
      ...(links === undefined ? {} : { cross_modal_links: links }),
    },
  };
}

/** What the manifest (or a PostgreSQL library's equivalent) says, with its videos' total duration, the index searched and the bytes stored. */
export function manifestStats(
  manifest: Readonly<Manifest>,
  videoSeconds: number,
  index: { kind: 'hnsw' | 'exact'; size: number } | undefined,
  bytes: number,
): LibraryStats {
  const settings = manifest.index;
  const searchEfs = {} as Record<QueryModality, ModalitySearchEf>;
  for (const modality of QUERY_MODALITIES) {
    const ef = searchEf(settings, manifest.counts.segments, modality);
    const measured =
      settings.calibration?.modalities?.[modality] ??
      (settings.calibration !== undefined && settings.calibration.modalities === undefined && modality === 'video'
        ? { recall: settings.calibration.recall, source: 'own' as const, count: settings.calibration.queries }
        : undefined);
    if (settings.efFixed === true) searchEfs[modality] = { ef, basis: 'fixed' };
    else if (measured !== undefined)
      searchEfs[modality] = {
        ef,
        basis: 'calibrated',
        recall: measured.recall,
        source: measured.source,
        queries: measured.count,
      };
    else searchEfs[modality] = { ef, basis: 'default' };
  }
  return {
    index_id: manifest.id,
    videos: manifest.counts.videos,
    segments: manifest.counts.segments,
    dimension: manifest.dimension,
    model: manifest.model,
    total_duration: videoSeconds,
    index: {
      kind: index?.kind ?? 'none',
      M: settings.M,
      efConstruction: settings.efConstruction,
      ef: settings.ef,
      count: index?.size ?? 0,
      search_ef: searchEfs,
      ...(settings.calibration === undefined ? {} : { calibration: settings.calibration }),
    },
    bytes,
    memory: memoryNeeds(manifest.counts.segments, manifest.dimension ?? 0, settings.M, index?.kind === 'hnsw'),
  };
}
