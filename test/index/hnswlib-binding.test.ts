import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import type { Hnswlib, HnswlibExtension } from '../../src/index/hnswlib-binding.js';
import {
  hnswlibBinding,
  judgeNativeBuild,
  NATIVE_ADDON_URL,
  nativeBuildVerdict,
  readCpuFlags,
} from '../../src/index/hnswlib-binding.js';
import { ExactIndex, HnswIndex } from '../../src/index/index.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';

const record = { hnswlibNode: '3.0.0', cxxflags: '-O3 -march=native', cpuFlags: ['avx2', 'fma', 'sse2'] };

describe('judgeNativeBuild', () => {
  it('accepts a copy of the installed version on a CPU with every flag it was compiled with', () => {
    const verdict = judgeNativeBuild(record, '3.0.0', new Set(['sse2', 'avx2', 'fma', 'avx512f']));
    expect(verdict).toEqual({ usable: true, reason: 'compiled for this CPU with -O3 -march=native' });
  });

  it('refuses it on a CPU that lacks a flag, naming the flag', () => {
    const verdict = judgeNativeBuild(record, '3.0.0', new Set(['sse2', 'fma']));
    expect(verdict.usable).toBe(false);
    expect(verdict.reason).toContain('avx2');
    expect(verdict.reason).toContain('npm run native');
  });

  it('refuses a copy compiled from another hnswlib-node version', () => {
    const verdict = judgeNativeBuild(record, '3.1.0', new Set(record.cpuFlags));
    expect(verdict).toMatchObject({ usable: false });
    expect(verdict.reason).toContain('3.0.0');
    expect(verdict.reason).toContain('3.1.0');
  });

  it('refuses when the CPU flags cannot be read or the record is malformed', () => {
    expect(judgeNativeBuild(record, '3.0.0', undefined).usable).toBe(false);
    expect(
      judgeNativeBuild({ hnswlibNode: '3.0.0', cxxflags: '-O3', cpuFlags: 'avx2' }, '3.0.0', new Set(['avx2'])).usable,
    ).toBe(false);
    expect(judgeNativeBuild(null, '3.0.0', new Set(['avx2'])).usable).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('readCpuFlags on Linux', () => {
  it("lists the kernel's flags for this CPU", () => {
    const flags = readCpuFlags();
    expect(flags?.size).toBeGreaterThan(0);
    if (process.arch === 'x64') expect(flags?.has('sse2')).toBe(true);
  });
});

describe('the binding in use', () => {
  it('is the native copy exactly when its record allows it here', () => {
    expect(hnswlibBinding().build).toBe(nativeBuildVerdict().usable ? 'native' : 'stock');
  });
});

// The install script compiles the copy on linux-x64 (CI's machine); elsewhere there is none to compare.
describe.runIf(existsSync(NATIVE_ADDON_URL))('the native copy and the stock build', () => {
  const require = createRequire(import.meta.url);
  const stock = require('hnswlib-node') as Hnswlib;
  const native = require(fileURLToPath(NATIVE_ADDON_URL)) as Hnswlib;
  const tempDir = useTempDirs();

  it("read each other's graph files and answer alike", async () => {
    const dir = await tempDir();
    const dim = 256;
    const count = 3000;
    const vectors = syntheticVectors({ count, dimension: dim, seed: 5 });
    const queries = syntheticQueries({ count: 50, dimension: dim, seed: 5 });
    const row = (data: Float32Array, i: number): number[] => Array.from(data.subarray(i * dim, (i + 1) * dim));
    const files: Record<string, string> = {};
    for (const [name, lib] of Object.entries({ stock, native })) {
      const index = new lib.HierarchicalNSW('cosine', dim);
      index.initIndex(count, 16, 100, 100);
      for (let i = 0; i < count; i++) index.addPoint(row(vectors, i), i);
      files[name] = join(dir, `${name}.hnsw`);
      await index.writeIndex(files[name]);
    }
    for (const file of Object.values(files)) {
      const fromStock = new stock.HierarchicalNSW('cosine', dim);
      const fromNative = new native.HierarchicalNSW('cosine', dim);
      await fromStock.readIndex(file);
      await fromNative.readIndex(file);
      for (const index of [fromStock, fromNative]) index.setEf(64);
      for (let q = 0; q < 50; q++) {
        const a = fromStock.searchKnn(row(queries, q), 10);
        const b = fromNative.searchKnn(row(queries, q), 10);
        expect(b.neighbors).toEqual(a.neighbors);
        b.distances.forEach((distance, i) => expect(distance).toBeCloseTo(a.distances[i] ?? Number.NaN, 5));
      }
    }
  });
});

// The copy compiled at install carries scripts/hnswlib-node-3.0.0.patch's methods; HnswIndex uses them when present.
const extended =
  typeof (hnswlibBinding().hnswlib.HierarchicalNSW.prototype as { addPointsFloat32?: unknown }).addPointsFloat32 ===
  'function';

describe.runIf(extended)('HnswIndex on the extended copy (typed arrays, parallel insertion)', () => {
  const require = createRequire(import.meta.url);
  const stock = require('hnswlib-node') as Hnswlib;
  const dim = 128;
  const count = 6000;
  const vectors = syntheticVectors({ count, dimension: dim, seed: 11 });
  const queries = syntheticQueries({ count: 100, dimension: dim, seed: 11 });
  const labels = Uint32Array.from({ length: count }, (_, i) => i * 3 + 1);
  const query = (q: number): Float32Array => queries.subarray(q * dim, (q + 1) * dim);
  const suiteDir = useSuiteTempDir();

  it('inserts a batch from two threads with the recall of a one-thread stock build', () => {
    const exact = new ExactIndex(dim);
    exact.add(vectors, labels);
    const recallOf = (index: HnswIndex): number => {
      let found = 0;
      for (let q = 0; q < 100; q++) {
        const truth = new Set(exact.search(query(q), 10).labels);
        for (const label of index.search(query(q), 10, { ef: 64 }).labels) if (truth.has(label)) found++;
      }
      return found / 1000;
    };
    const parallel = new HnswIndex({ dimension: dim, threads: 2, capacity: count });
    parallel.add(vectors, labels);
    const single = new HnswIndex({ dimension: dim, threads: 1, capacity: count, binding: stock });
    single.add(vectors, labels);
    expect(parallel.size).toBe(count);
    expect(parallel.graphCount).toBe(count);
    for (const label of [1, 3 * 2999 + 1, 3 * 5999 + 1]) expect(parallel.has(label)).toBe(true);
    const [parallelRecall, singleRecall] = [recallOf(parallel), recallOf(single)];
    expect(parallelRecall).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(parallelRecall - singleRecall)).toBeLessThanOrEqual(0.01);
  });

  it('answers a typed-array search as the stock searchKnn does on the same graph', async () => {
    const dir = suiteDir();
    const built = new HnswIndex({ dimension: dim, capacity: count });
    built.add(vectors, labels);
    const file = join(dir, 'graph.hnsw');
    await built.writeGraph(file);
    const shape = { dimension: dim, M: 16, efConstruction: 100, ef: 48, deleted: [] };
    const [extendedIndex, stockIndex] = await Promise.all([
      HnswIndex.read(file, shape),
      HnswIndex.read(file, { ...shape, binding: stock }),
    ]);
    for (let q = 0; q < 100; q++) {
      const a = extendedIndex.search(query(q), 10);
      const b = stockIndex.search(query(q), 10);
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      a.scores.forEach((score, i) => expect(score).toBeCloseTo(b.scores[i] ?? Number.NaN, 5));
    }
    // Fewer points than k: the answer is cut to what exists.
    const tiny = new HnswIndex({ dimension: dim });
    tiny.add(vectors.subarray(0, 3 * dim), Uint32Array.of(7, 8, 9));
    expect(Array.from(tiny.search(query(0), 10).labels).sort()).toEqual([7, 8, 9]);
  });

  it('revives removed labels one by one and inserts new ones in a batch', () => {
    const index = new HnswIndex({ dimension: dim, threads: 2 });
    index.add(vectors.subarray(0, 100 * dim), labels.subarray(0, 100));
    index.remove(labels.subarray(0, 10));
    expect(index.size).toBe(90);
    index.add(vectors.subarray(0, 10 * dim), labels.subarray(0, 10));
    index.add(vectors.subarray(100 * dim, 200 * dim), labels.subarray(100, 200));
    expect(index.size).toBe(200);
    expect(index.graphCount).toBe(200);
    expect(index.search(vectors.subarray(0, dim), 1).labels[0]).toBe(labels[0]);
  });

  const nativeIndex = (): InstanceType<Hnswlib['HierarchicalNSW']> & HnswlibExtension => {
    const index = new (hnswlibBinding().hnswlib.HierarchicalNSW)('cosine', dim) as InstanceType<
      Hnswlib['HierarchicalNSW']
    > &
      HnswlibExtension;
    index.initIndex(1000, 16, 100, 100);
    return index;
  };
  const point = (row: number): number[] => Array.from(vectors.subarray(row * dim, (row + 1) * dim));

  it('refuses a call that would race an unsettled asynchronous writeIndex or readIndex, and takes it once settled', async () => {
    const dir = suiteDir();
    const file = join(dir, 'guarded.hnsw');
    const index = nativeIndex();
    index.addPointsFloat32?.(
      vectors.subarray(0, 200 * dim),
      Uint32Array.from({ length: 200 }, (_, i) => i),
      2,
    );
    // The promise settles on a later turn of the event loop: until then the worker may be running.
    const writing = index.writeIndex(file);
    expect(() => index.addPoint(point(300), 300)).toThrow(/asynchronous writeIndex on this index has not settled/);
    expect(() => index.addPointsFloat32?.(vectors.subarray(300 * dim, 301 * dim), Uint32Array.of(301), 1)).toThrow(
      /writeIndex on this index has not settled/,
    );
    expect(() => index.markDelete(5)).toThrow(/writeIndex on this index has not settled/);
    expect(() => index.resizeIndex(2000)).toThrow(/writeIndex on this index has not settled/);
    expect(index.searchKnn(point(7), 3).neighbors[0]).toBe(7);
    await writing;
    index.addPoint(point(300), 300);
    expect(index.getCurrentCount()).toBe(201);
    const reading = index.readIndex(file);
    expect(() => index.searchKnn(point(7), 3)).toThrow(/asynchronous readIndex on this index has not settled/);
    const distances = new Float32Array(3);
    const found = new Uint32Array(3);
    expect(() => index.searchKnnFloat32Into?.(Float32Array.from(point(7)), 3, distances, found)).toThrow(
      /readIndex on this index has not settled/,
    );
    await reading;
    expect(index.getCurrentCount()).toBe(200);
    expect(index.searchKnnFloat32Into?.(Float32Array.from(point(7)), 3, distances, found)).toBe(3);
    expect(found[0]).toBe(7);
  });

  it('refuses a parallel batch with a repeated label or one already in the graph, inserting none of it', () => {
    const index = nativeIndex();
    index.addPointsFloat32?.(
      vectors.subarray(0, 100 * dim),
      Uint32Array.from({ length: 100 }, (_, i) => i),
      2,
    );
    const batch = (ids: number[]): void =>
      index.addPointsFloat32?.(vectors.subarray(100 * dim, (100 + ids.length) * dim), Uint32Array.from(ids), 2);
    expect(() => batch([500, 501, 500])).toThrow(/label 500 is repeated in the batch or already in the index/);
    expect(() => batch([600, 42])).toThrow(/label 42 is repeated in the batch or already in the index/);
    index.markDelete(10);
    expect(() => batch([10])).toThrow(/label 10 is repeated in the batch or already in the index/);
    expect(index.getCurrentCount()).toBe(100);
    batch([500, 501, 502]);
    expect(index.getCurrentCount()).toBe(103);
  });
});
