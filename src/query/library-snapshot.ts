import { ClipPartitions } from '../index/clip-partitions.js';
import type { Manifest } from '../store/manifest.js';
import { type QueryModality, searchEfOf } from '../store/search-ef.js';
import type { LabelFacts } from './label-facts.js';
import { partitionRunsOf } from './partition-runs.js';
import type { RetrievalIndex } from './retrieval-index.js';

/**
 * One library generation as searches see it: its manifest, label facts, ANN index and stored
 * vectors. Built once per generation (and index) by the storage, shared by every search of it,
 * concurrent ones too, and never changed: what one search works out lives in that search's own
 * objects (its pool, its LabelScorer, its candidate stream).
 */
export interface LibrarySnapshot {
  readonly manifest: Readonly<Manifest>;
  readonly facts: LabelFacts;
  /** Undefined while the library holds no segments. */
  readonly index: RetrievalIndex | undefined;
  /** The ef of a search whose queries have these modalities (the manifest's search-ef settings). */
  efFor(modalities: readonly QueryModality[]): number;
  /** The stored vector columns, one per `facts.files` entry: read on the first call, shared after. */
  vectors(): Promise<readonly Float32Array[]>;
  /** The vector columns when `vectors()` has already read them. */
  loadedVectors(): readonly Float32Array[] | undefined;
  /** One stored segment's vector (what a "more like this" query starts from); undefined when it is not stored. */
  segmentVector(label: number): Promise<Float32Array | undefined>;
  /** The partitions of a partition search, built from the stored vectors on the first call, shared after. */
  clipPartitions(): Promise<ClipPartitions>;
}

export interface SnapshotParts {
  manifest: Readonly<Manifest>;
  facts: LabelFacts;
  index: RetrievalIndex | undefined;
  /** Reads the vector column of each of `facts.files`. */
  readVectors: (files: readonly string[]) => Promise<Float32Array[]>;
  segmentVector: (label: number) => Promise<Float32Array | undefined>;
}

/** A frozen snapshot over its parts; the vector columns are read once, by whichever search needs them first. */
export function librarySnapshot(parts: SnapshotParts): LibrarySnapshot {
  const { manifest, facts, index } = parts;
  let loaded: readonly Float32Array[] | undefined;
  let loading: Promise<readonly Float32Array[]> | undefined;
  let partitions: Promise<ClipPartitions> | undefined;
  const snapshot: LibrarySnapshot = Object.freeze({
    manifest,
    facts,
    index,
    efFor: (modalities: readonly QueryModality[]) => searchEfOf(manifest.index, manifest.counts.segments, modalities),
    vectors(): Promise<readonly Float32Array[]> {
      if (loaded !== undefined) return Promise.resolve(loaded);
      loading ??= parts.readVectors(facts.files).then(
        (columns) => (loaded = Object.freeze(columns)),
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
      return loading;
    },
    loadedVectors: () => loaded,
    segmentVector: parts.segmentVector,
    clipPartitions(): Promise<ClipPartitions> {
      partitions ??= snapshot.vectors().then(
        (columns) =>
          ClipPartitions.build(partitionRunsOf(facts), {
            dimension: facts.dimension,
            columns,
            file: facts.file,
            row: facts.row,
          }),
        (error: unknown) => {
          partitions = undefined;
          throw error;
        },
      );
      return partitions;
    },
  });
  return snapshot;
}
