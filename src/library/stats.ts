import type { VectorIndex } from '../index/index.js';
import type { SegmentStore } from '../store/index.js';

export interface LibraryStats {
  index_id: string;
  videos: number;
  segments: number;
  dimension: number | null;
  model: string | null;
  total_duration: number;
  index: { kind: 'hnsw' | 'exact' | 'none'; M: number; efConstruction: number; ef: number; count: number };
  bytes: number;
}

export async function libraryStats(store: SegmentStore, index: VectorIndex | undefined): Promise<LibraryStats> {
  const manifest = store.manifest;
  return {
    index_id: manifest.id,
    videos: manifest.counts.videos,
    segments: manifest.counts.segments,
    dimension: manifest.dimension,
    model: manifest.model,
    total_duration: Object.values(manifest.videos).reduce((sum, video) => sum + video.durationSec, 0),
    index: { kind: index?.kind ?? 'none', M: manifest.index.M, efConstruction: manifest.index.efConstruction, ef: manifest.index.ef, count: index?.size ?? 0 },
    bytes: await store.bytesOnDisk(),
  };
}
