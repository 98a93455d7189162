import { type SyntheticOptions, syntheticVectors } from '../../src/bench/synthetic.js';
import type { JsonlSegment } from './segments.js';

/**
 * `options.count` seeded, clustered segments as JSONL rows: video v`i / clipsPerVideo`, 6 s clips,
 * so a test gets a library whose HNSW recall depends on ef.
 */
export function syntheticSegments(options: SyntheticOptions, clipsPerVideo: number): JsonlSegment[] {
  const { count, dimension } = options;
  const vectors = syntheticVectors(options);
  return Array.from({ length: count }, (_, i) => ({
    video_id: `v${Math.floor(i / clipsPerVideo)}`,
    start_sec: (i % clipsPerVideo) * 6,
    end_sec: (i % clipsPerVideo) * 6 + 6,
    embedding: Array.from(vectors.subarray(i * dimension, (i + 1) * dimension)),
  }));
}
