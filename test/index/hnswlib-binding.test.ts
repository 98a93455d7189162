import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { NATIVE_ADDON_URL, hnswlibBinding, judgeNativeBuild, nativeBuildVerdict, readCpuFlags } from '../../src/index/hnswlib-binding.js';
import type { Hnswlib } from '../../src/index/hnswlib-binding.js';

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
    expect(judgeNativeBuild({ hnswlibNode: '3.0.0', cxxflags: '-O3', cpuFlags: 'avx2' }, '3.0.0', new Set(['avx2'])).usable).toBe(false);
    expect(judgeNativeBuild(null, '3.0.0', new Set(['avx2'])).usable).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('readCpuFlags on Linux', () => {
  it('lists the kernel\'s flags for this CPU', () => {
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
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('read each other\'s graph files and answer alike', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vsearch-binding-'));
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
      const [fromStock, fromNative] = [stock, native].map((lib) => new lib.HierarchicalNSW('cosine', dim));
      await fromStock!.readIndex(file);
      await fromNative!.readIndex(file);
      for (const index of [fromStock!, fromNative!]) index.setEf(64);
      for (let q = 0; q < 50; q++) {
        const a = fromStock!.searchKnn(row(queries, q), 10);
        const b = fromNative!.searchKnn(row(queries, q), 10);
        expect(b.neighbors).toEqual(a.neighbors);
        b.distances.forEach((distance, i) => expect(distance).toBeCloseTo(a.distances[i]!, 5));
      }
    }
  });
});
