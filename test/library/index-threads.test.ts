import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticVectors } from '../../src/bench/synthetic.js';
import { writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempDir = useTempDirs();
const tempLibrary = useTempLibraries();
const DIMENSION = 32;
const COUNT = 3000;

async function graphBytes(rowsFile: string, indexThreads: number): Promise<Buffer> {
  const { lib, dir } = await tempLibrary({ index: { kind: 'hnsw' }, indexThreads });
  await lib.importSegments(rowsFile, { model: 'synthetic-32' });
  await lib.close();
  const { graph } = JSON.parse(await readFile(join(dir, 'index', 'sidecar.json'), 'utf8')) as { graph: string };
  return readFile(join(dir, 'index', graph));
}

describe('openLibrary indexThreads', () => {
  it('with one thread, the same segments give the same graph file byte for byte', async () => {
    const vectors = syntheticVectors({ count: COUNT, dimension: DIMENSION, seed: 4 });
    const rows = Array.from({ length: COUNT }, (_, i) => ({
      video_id: `v${Math.floor(i / 10)}`,
      start_sec: (i % 10) * 6,
      end_sec: (i % 10) * 6 + 6,
      embedding: Array.from(vectors.subarray(i * DIMENSION, (i + 1) * DIMENSION)),
    }));
    const rowsFile = await writeJsonl(await tempDir(), 'rows.jsonl', rows);
    const [first, second] = [await graphBytes(rowsFile, 1), await graphBytes(rowsFile, 1)];
    expect(first.length).toBeGreaterThan(COUNT * DIMENSION * 4);
    expect(first.equals(second)).toBe(true);
  }, 60_000);
});
