import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface JsonlSegment {
  video_id: string;
  start_sec: number;
  end_sec: number;
  embedding: number[];
  [key: string]: unknown;
}

/** Deterministic small vectors for tests: video v, clip c. */
export function testVector(dimension: number, seed: number): number[] {
  let state = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: dimension }, () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0xffffffff - 0.5;
  });
}

export function clipSegments(
  videoId: string,
  clips: number,
  dimension: number,
  seed: number,
  extra: Record<string, unknown> = {},
): JsonlSegment[] {
  return Array.from({ length: clips }, (_, i) => ({
    video_id: videoId,
    start_sec: i * 6,
    end_sec: (i + 1) * 6,
    embedding: testVector(dimension, seed * 1000 + i),
    ...extra,
  }));
}

export async function writeJsonl(dir: string, name: string, rows: readonly unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  return path;
}
