import { type SegmentRows, SegmentStore } from '../../src/store/index.js';

export interface StoredSegment {
  vector: number[];
  metadata: unknown;
}

/** A segment's identity (video, option, scope, start, end) as one map key. */
export function segmentKey(video: string, option: string, scope: string, start: number, end: number): string {
  return JSON.stringify([video, option, scope, start, end]);
}

/** A folder library holding `rows`. */
export async function folderLibrary(dir: string, rows: SegmentRows): Promise<string> {
  const store = await SegmentStore.open(dir, { create: true });
  await store.append(rows, 'marengo3.0');
  return dir;
}

/** Every segment of the batch, by identity: its vector bits and metadata. */
export function segmentsByKey(rows: SegmentRows): Map<string, StoredSegment> {
  const out = new Map<string, StoredSegment>();
  for (let r = 0; r < rows.count; r++) {
    out.set(
      segmentKey(
        rows.videoId[r] ?? '',
        rows.embeddingOption[r] ?? '',
        rows.embeddingScope[r] ?? '',
        rows.startSec[r] ?? 0,
        rows.endSec[r] ?? 0,
      ),
      {
        vector: Array.from(rows.vectors.subarray(r * rows.dimension, (r + 1) * rows.dimension)),
        metadata: JSON.parse(rows.metadata[r] ?? 'null'),
      },
    );
  }
  return out;
}

/** Every segment a folder library holds, by identity. */
export async function folderSegments(dir: string): Promise<Map<string, StoredSegment>> {
  const store = await SegmentStore.open(dir);
  const out = new Map<string, StoredSegment>();
  for (const videoId of Object.keys(store.manifest.videos)) {
    const rows = await store.segmentsOf(videoId);
    if (rows !== undefined) for (const [key, segment] of segmentsByKey(rows)) out.set(key, segment);
  }
  return out;
}
