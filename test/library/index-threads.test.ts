import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
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
    const rows = syntheticSegments({ count: COUNT, dimension: DIMENSION, seed: 4 }, 10);
    const rowsFile = await writeJsonl(await tempDir(), 'rows.jsonl', rows);
    const [first, second] = [await graphBytes(rowsFile, 1), await graphBytes(rowsFile, 1)];
    expect(first.length).toBeGreaterThan(COUNT * DIMENSION * 4);
    expect(first.equals(second)).toBe(true);
  }, 60_000);
});
