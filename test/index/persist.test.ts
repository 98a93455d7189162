import { copyFile, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { IndexMismatchError, VsearchError } from '../../src/errors.js';
import type { IndexSidecar } from '../../src/index/index.js';
import { HnswIndex, loadHnswIndex, SIDECAR_FILE, saveHnswIndex } from '../../src/index/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

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
  index.add(
    data,
    Uint32Array.from({ length: COUNT }, (_, i) => 1000 + i),
  );
  return index;
}

async function readSidecar(dir: string): Promise<IndexSidecar> {
  return JSON.parse(await readFile(join(dir, SIDECAR_FILE), 'utf8')) as IndexSidecar;
}

/** Edits the sidecar and signs it again, as a writer would: the checks behind its checksum are what is tested. */
async function editSidecar(dir: string, edit: (sidecar: Record<string, unknown>) => void): Promise<void> {
  const { checksum: _old, ...sidecar } = (await readSidecar(dir)) as unknown as Record<string, unknown>;
  edit(sidecar);
  const checksum = `crc32:${(crc32(JSON.stringify(sidecar)) >>> 0).toString(16).padStart(8, '0')}`;
  await writeFile(join(dir, SIDECAR_FILE), JSON.stringify({ ...sidecar, checksum }));
}

async function graphName(dir: string): Promise<string> {
  return (await readSidecar(dir)).graph;
}

describe('saveHnswIndex / loadHnswIndex', () => {
  const tempDir = useTempDirs();
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
  });

  it('round-trips the graph, its deletions and the coverage', async () => {
    const index = build();
    index.remove([1000, 1001, 1002]);
    const saved = await saveHnswIndex(join(dir, 'index'), index, coverage);
    expect(saved).toMatchObject({
      format: 2,
      kind: 'hnsw',
      dimension: DIM,
      metric: 'cosine',
      M: 12,
      efConstruction: 100,
      count: COUNT - 3,
      deleted: [1000, 1001, 1002],
      ...coverage,
    });
    expect(saved.graph).toMatch(/^hnsw-1-[0-9a-f]{8}\.bin$/);
    expect(saved.graphChecksum).toMatch(/^crc32:[0-9a-f]{8}$/);
    expect(saved.graphBytes).toBe((await readFile(join(dir, 'index', saved.graph))).length);
    expect(saved.maxElements).toBe(index.maxElements);
    expect(await readSidecar(join(dir, 'index'))).toEqual(saved);
    expect((await readdir(join(dir, 'index'))).sort()).toEqual([saved.graph, SIDECAR_FILE]);

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
    expect(second.graph).toMatch(/^hnsw-2-[0-9a-f]{8}\.bin$/);
    expect((await readdir(dir)).sort()).toEqual([second.graph, SIDECAR_FILE]);
    const loaded = await loadHnswIndex(dir, expected);
    expect(loaded?.sidecar.fingerprint).toBe('sha256:def');
    expect(loaded?.index.has(1005)).toBe(false);
  });

  it('survives a crash between writing the graph and the sidecar', async () => {
    const index = build();
    const first = await saveHnswIndex(dir, index, coverage);
    // What a crash mid-save leaves: a newer graph nobody points at, and temp files of a dead process.
    await copyFile(join(dir, first.graph), join(dir, 'hnsw-7.bin'));
    await truncate(join(dir, 'hnsw-7.bin'), 100);
    const deadPid = 2 ** 22 + 17; // above Linux's pid_max: no such process
    await writeFile(join(dir, `${SIDECAR_FILE}.7-0000abcd.${deadPid}.tmp`), '{"format":2,');
    await writeFile(join(dir, `hnsw-7-0000abcd.bin.${deadPid}.tmp`), 'partial');
    // A save in progress in a live process (this one's parent) is left alone.
    const liveTemp = `hnsw-7-0000beef.bin.${process.ppid}.tmp`;
    await writeFile(join(dir, liveTemp), 'partial');
    const loaded = await loadHnswIndex(dir, expected);
    expect(loaded?.sidecar.graph).toBe(first.graph);
    expect(loaded?.index.size).toBe(COUNT);

    const next = await saveHnswIndex(dir, index, coverage);
    expect(next.graph).toMatch(/^hnsw-8-[0-9a-f]{8}\.bin$/); // never reuses a name a crash may have left
    expect((await readdir(dir)).sort()).toEqual([next.graph, liveTemp, SIDECAR_FILE].sort());
  });

  it('refuses to change the index while its graph is being written', async () => {
    const index = build();
    const writing = index.writeGraph(join(dir, 'graph.bin'));
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
      expect((error as Error).message).toMatch(/points hold 32 floats, not 64/);
    });

    it('rejects another metric', async () => {
      await editSidecar(dir, (s) => {
        s['metric'] = 'l2';
      });
      await expectMismatch(/metric "l2"/);
    });

    it('rejects a missing graph file', async () => {
      await rm(join(dir, await graphName(dir)));
      await expectMismatch(/missing/);
    });

    it('rejects a truncated graph file', async () => {
      const graph = join(dir, await graphName(dir));
      const size = (await readFile(graph)).length;
      for (const keep of [size - 1, size - 300, 200, 50, 0]) {
        await copyFile(graph, join(dir, 'hnsw-1.bak'));
        await truncate(graph, keep);
        await expectMismatch(/corrupt/);
        await copyFile(join(dir, 'hnsw-1.bak'), graph);
      }
      expect((await loadHnswIndex(dir, expected))?.index.size).toBe(COUNT);
    });

    it('rejects a graph file with a damaged header or trailing bytes', async () => {
      const handle = await open(join(dir, await graphName(dir)), 'r+');
      await handle.write(Buffer.from([99]), 0, 1, 72); // M
      await handle.close();
      await expectMismatch(/corrupt/);
      await saveHnswIndex(dir, build(), coverage);
      await writeFile(join(dir, await graphName(dir)), Buffer.alloc(8), { flag: 'a' });
      await expectMismatch(/trailing/);
    });

    it('rejects a graph of the same size whose bytes differ from the ones its sidecar recorded', async () => {
      // Another library's graph of the same shape: every structural check passes, the checksum does not.
      const other = new HnswIndex({ dimension: DIM, M: 12, efConstruction: 100, capacity: 64, seed: 9 });
      other.add(
        syntheticVectors({ count: COUNT, dimension: DIM, seed: 99, clusters: 8 }),
        Uint32Array.from({ length: COUNT }, (_, i) => 1000 + i),
      );
      const mine = join(dir, await graphName(dir));
      const foreign = join(dir, 'foreign.bin');
      await other.writeGraph(foreign);
      expect((await readFile(foreign)).length).toBe((await readFile(mine)).length);
      await copyFile(foreign, mine);
      await expectMismatch(/checksum .* another index/);
    });

    it('rejects a sidecar whose bytes were changed without its checksum', async () => {
      const text = await readFile(join(dir, SIDECAR_FILE), 'utf8');
      await writeFile(join(dir, SIDECAR_FILE), text.replace(`"count": ${COUNT}`, `"count": ${COUNT - 1}`));
      await expectMismatch(/checksum does not match/);
    });

    it('still reads a format-1 sidecar (no checksums), checking the graph file itself', async () => {
      await editSidecar(dir, (s) => {
        s['format'] = 1;
        delete s['graphChecksum'];
        delete s['graphBytes'];
      });
      const { checksum: _c, ...unsigned } = await readSidecar(dir);
      await writeFile(join(dir, SIDECAR_FILE), JSON.stringify(unsigned));
      expect((await loadHnswIndex(dir, expected))?.index.size).toBe(COUNT);
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
      await expectMismatch(/deleted points 0, but its sidecar says 1/);
      const index = build();
      index.remove([1000]);
      await saveHnswIndex(dir, index, coverage);
      await editSidecar(dir, (s) => {
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
