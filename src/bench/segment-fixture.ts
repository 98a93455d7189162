import { encodeSegmentFile, type SegmentRows } from '../store/index.js';

/** Benchmark libraries give each video this many consecutive clips of CLIP_SECONDS. */
export const CLIPS_PER_VIDEO = 20;
const CLIP_SECONDS = 6;

/**
 * Segment rows over flat unit vectors: row r is clip r % CLIPS_PER_VIDEO of video
 * `v{r / CLIPS_PER_VIDEO}`, so a search hit (video, start) names its row again.
 */
export function benchSegmentRows(vectors: Float32Array, dimension: number, model: string): SegmentRows {
  const count = Math.floor(vectors.length / dimension);
  const videoId: string[] = [];
  const startSec = new Float64Array(count);
  const endSec = new Float64Array(count);
  for (let row = 0; row < count; row++) {
    videoId.push(`v${Math.floor(row / CLIPS_PER_VIDEO)}`);
    const start = (row % CLIPS_PER_VIDEO) * CLIP_SECONDS;
    startSec[row] = start;
    endSec[row] = start + CLIP_SECONDS;
  }
  const constant = (value: string): string[] => new Array<string>(count).fill(value);
  return {
    count,
    dimension,
    vectors: vectors.subarray(0, count * dimension),
    videoId,
    source: constant(''),
    contentSha256: constant(''),
    modality: constant('video'),
    embeddingOption: constant('visual'),
    embeddingScope: constant('clip'),
    startSec,
    endSec,
    modelName: constant(model),
    metadata: constant('{}'),
  };
}

/** The row of a hit on a library made from `benchSegmentRows`, or -1 for a hit it did not make. */
export function rowOfHit(videoId: string, startSec: number): number {
  const video = /^v(\d+)$/.exec(videoId);
  if (video === null) return -1;
  return Number(video[1]) * CLIPS_PER_VIDEO + Math.round(startSec / CLIP_SECONDS);
}

/** The bytes of an Arrow segment file holding `rows` (labels 0..n-1), for import or throughput runs. */
export function encodeBenchSegments(rows: SegmentRows, model: string): Uint8Array {
  return encodeSegmentFile(
    rows,
    Uint32Array.from({ length: rows.count }, (_, i) => i),
    model,
  );
}
