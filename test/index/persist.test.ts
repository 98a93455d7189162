import { mkdtemp, readFile, readdir, rm, truncate, writeFile, copyFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { IndexMismatchError, VsearchError } from '../../src/errors.js';
import { HnswIndex, SIDECAR_FILE, loadHnswIndex, saveHnswIndex } from '../../src/index/index.js';
import type { IndexSidecar } from '../../src/index/index.js';

const DIM = 32;
const COUNT = 400;
const data = syntheticVectors({ count: COUNT, dimension: DIM, seed: 11, clusters: 8 });
const queries = syntheticQueries({ count: 5, dimension: DIM, seed: 11, clusters: 8 });
const coverage = { fingerprint: 'sha256:abc', files: ['segments/000001.arrow', 'segments/000002.arrow'] };
const expected = { dimension: DIM, metric: 'cosine' } as const;

function query(i: number): Float32Array {
  return queries.subarray(i * DIM, (i + 1) * DIM);
}

function build(): HnswIndex {
  const index = new HnswIndex({ dimension: DIM, M: 12, efConstruction: 100, capacity: 64, seed: 9 });
  index.add(data, Uint32Array.from({ length: COUNT }, (_, i) => 1000 + i));
  return index;
}

async function readSidecar(dir: string): Promise<IndexSidecar> {
  return JSON.parse(await readFile(join(dir, SIDECAR_FILE), 'utf8')) as IndexSidecar;
}

async function editSidecar(dir: string, edit: (sidecar: Record<string, unknown>) => void): Promise<void> {
  const sidecar = (await readSidecar(dir)) as unknown as Record<string, unknown>;
  edit(sidecar);
  await writeFile(join(dir, SIDECAR_FILE), JSON.stringify(sidecar));
}

describe('saveHnswIndex / loadHnswIndex', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vsearch-index-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips the graph, its deletions and the coverage', async () => {
    const index = build();
    index.remove([1000, 1001, 1002]);
    const saved = await saveHnswIndex(join(dir, 'index'), index, coverage);
    expect(saved).toMatchObject({ format: 1, kind: 'hnsw', dimension: DIM, metric: 'cosine', M: 12, efConstruction: 100, count: COUNT - 3, graph: 'hnsw-1.bin', deleted: [1000, 1001, 1002], ...coverage });
    expect(saved.maxElements).toBe(index.maxElements);
    expect(await readSidecar(join(dir, 'index'))).toEqual(saved);
    expect((await readdir(join(dir, 'index'))).sort()).toEqual(['hnsw-1.bin', SIDECAR_FILE]);

    const loaded = await loadHnswIndex(join(dir, 'index'), expected);
    expect(loaded).toBeDefined();
    const { index: back, sidecar } = loaded as NonNullable<typeof loaded>;
    expect(sidecar).toEqual(saved);
    expect(back.size).toBe(COUNT - 3);
    expect(back.has(1000)).toBe(false);
    expect(back.has(1003)).toBe(true);
    expect(back.M).toBe(12);
    for (let q = 0; q < 5; q++) {
      const a = index.search(query(q), 10);
      const b = back.search(query(q), 10);
      expect([...b.labels]).toEqual([...a.labels]);
      expect([...b.labels]).not.toContain(1000);
    }
    // The loaded index stays usable: it grows and saves again.
    back.add(new Float32Array(query(0)), Uint32Array.of(1000));
    expect(back.search(query(0), 1).labels[0]).toBe(1000);
  });

  it('returns undefined when no index was saved', async () => {
    expect(await loadHnswIndex(dir, expected)).toBeUndefined();
    expect(await loadHnswIndex(join(dir, 'absent'), expected)).toBeUndefined();
  });

  it('writes a new generation on every save and deletes the old graph', async () => {
    const index = build();
    await saveHnswIndex(dir, index, coverage);
    index.remove([1005]);
    const second = await saveHnswIndex(dir, index, { fingerprint: 'sha256:def', files: ['segments/000003.arrow'] });
    expect(second.graph).toBe('hnsw-2.bin');
    expect((await readdir(dir)).sort()).toEqual(['hnsw-2.bin', SIDECAR_FILE]);
    const loaded = await loadHnswIndex(dir, expected);
    expect(loaded?.sidecar.fingerprint).toBe('sha256:def');
    expect(loaded?.index.has(1005)).toBe(false);
  });

  it('survives a crash between writing the graph and the sidecar', async () => {
    const index = build();
    await saveHnswIndex(dir, index, coverage);
    // What a crash mid-save leaves: a newer graph nobody points at, and a temp sidecar.
    await copyFile(join(dir, 'hnsw-1.bin'), join(dir, 'hnsw-7.bin'));
    await truncate(join(dir, 'hnsw-7.bin'), 100);
    await writeFile(join(dir, `${SIDECAR_FILE}.123.7.tmp`), '{"format":1,');
    const loaded = await loadHnswIndex(dir, expected);
    expect(loaded?.sidecar.graph).toBe('hnsw-1.bin');
    expect(loaded?.index.size).toBe(COUNT);

    const next = await saveHnswIndex(dir, index, coverage);
    expect(next.graph).toBe('hnsw-8.bin'); // never reuses a name a crash may have left
    expect((await readdir(dir)).sort()).toEqual(['hnsw-8.bin', SIDECAR_FILE]);
  });

  it('refuses to change the index while its graph is being written', async () => {
    const index = build();
    const writing = index.writeGraph(join(dir, 'hnsw-1.bin'));
    expect(() => index.add(new Float32Array(DIM), Uint32Array.of(1))).toThrow(VsearchError);
    expect(() => index.remove([1000])).toThrow(/being saved/);
    expect(index.search(query(0), 3).labels.length).toBe(3); // reads stay allowed
    await writing;
    index.remove([1000]);
    expect(index.size).toBe(COUNT - 1);
  });

  describe('mismatches', () => {
    beforeEach(async () => {
      await saveHnswIndex(dir, build(), coverage);
    });

    async function expectMismatch(pattern: RegExp): Promise<void> {
      const error: unknown = await loadHnswIndex(dir, expected).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(IndexMismatchError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).toMatch(/vsearch build/);
    }

    it('rejects a library of another dimension', async () => {
      const error: unknown = await loadHnswIndex(dir, { dimension: 512, metric: 'cosine' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IndexMismatchError);
      expect((error as Error).message).toMatch(/dimension 32.*512/);
    });

    it('rejects a sidecar whose dimension does not match its graph', async () => {
      await editSidecar(dir, (s) => {
        s['dimension'] = 64;
      });
      const error: unknown = await loadHnswIndex(dir, { dimension: 64, metric: 'cosine' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IndexMismatchError);
      expect((error as Error).message).toMatch(/dimension 32, but its sidecar says 64/);
    });

    it('rejects another metric', async () => {
      await editSidecar(dir, (s) => {
        s['metric'] = 'l2';
      });
      await expectMismatch(/metric "l2"/);
    });

    it('rejects a missing graph file', async () => {
      await rm(join(dir, 'hnsw-1.bin'));
      await expectMismatch(/missing/);
    });

    it('rejects a truncated graph file', async () => {
      const size = (await readFile(join(dir, 'hnsw-1.bin'))).length;
      for (const keep of [size - 1, size - 300, 200, 50, 0]) {
        await copyFile(join(dir, 'hnsw-1.bin'), join(dir, 'hnsw-1.bak'));
        await truncate(join(dir, 'hnsw-1.bin'), keep);
        await expectMismatch(/corrupt/);
        await copyFile(join(dir, 'hnsw-1.bak'), join(dir, 'hnsw-1.bin'));
      }
      expect((await loadHnswIndex(dir, expected))?.index.size).toBe(COUNT);
    });

    it('rejects a graph file with a damaged header or trailing bytes', async () => {
      const handle = await open(join(dir, 'hnsw-1.bin'), 'r+');
      await handle.write(Buffer.from([99]), 0, 1, 72); // M
      await handle.close();
      await expectMismatch(/corrupt/);
      await saveHnswIndex(dir, build(), coverage);
      await writeFile(join(dir, 'hnsw-2.bin'), Buffer.alloc(8), { flag: 'a' });
      await expectMismatch(/trailing/);
    });

    it('rejects a point count that disagrees with the sidecar', async () => {
      await editSidecar(dir, (s) => {
        s['count'] = COUNT - 1;
      });
      await expectMismatch(/point count/);
    });

    it('rejects deleted labels the graph does not hold', async () => {
      await editSidecar(dir, (s) => {
        s['count'] = COUNT - 1;
        s['deleted'] = [5];
      });
      await expectMismatch(/lacks label 5/);
    });

    it('rejects a sidecar that is not JSON or names a path outside the index', async () => {
      await editSidecar(dir, (s) => {
        s['graph'] = '../hnsw-1.bin';
      });
      await expectMismatch(/"graph"/);
      await writeFile(join(dir, SIDECAR_FILE), '{ not json');
      await expectMismatch(/not valid JSON/);
    });
  });
});
