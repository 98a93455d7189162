import { describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { seededGaussian } from '../../src/random/gaussian.js';
import { mulberry32 } from '../../src/random/seeded-random.js';

function dot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d] as number) * (b[j * dim + d] as number);
  return s;
}

/** Mean over queries of the best cosine similarity to any data vector. */
function meanBestSimilarity(data: Float32Array, queries: Float32Array, dim: number): number {
  const n = data.length / dim;
  const m = queries.length / dim;
  let total = 0;
  for (let q = 0; q < m; q++) {
    let best = -Infinity;
    for (let i = 0; i < n; i++) best = Math.max(best, dot(queries, q, data, i, dim));
    total += best;
  }
  return total / m;
}

describe('mulberry32', () => {
  it('is deterministic per seed, in [0, 1), and roughly uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const buckets = new Array<number>(10).fill(0);
    for (const x of xs) {
      const bucket = Math.floor(x * 10);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(900);
  });

  it('gives standard normal samples', () => {
    const g = seededGaussian(1);
    const xs = Array.from({ length: 20_000 }, () => g());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
  });
});

describe('syntheticVectors / syntheticQueries', () => {
  const dim = 64;

  it('makes count unit vectors, the same for the same seed', () => {
    const a = syntheticVectors({ count: 300, dimension: dim, seed: 3 });
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(300 * dim);
    for (let i = 0; i < 300; i++) expect(dot(a, i, a, i, dim)).toBeCloseTo(1, 5);
    expect(syntheticVectors({ count: 300, dimension: dim, seed: 3 })).toEqual(a);
    expect(syntheticVectors({ count: 300, dimension: dim, seed: 4 })).not.toEqual(a);
    // A longer run starts with the shorter one.
    expect(syntheticVectors({ count: 500, dimension: dim, seed: 3 }).subarray(0, 300 * dim)).toEqual(a);
  });

  it('clusters the data, and queries fall in the same clusters', () => {
    const data = syntheticVectors({ count: 500, dimension: dim, seed: 8, clusters: 10 });
    const sameClusters = syntheticQueries({ count: 20, dimension: dim, seed: 8, clusters: 10 });
    const otherClusters = syntheticQueries({ count: 20, dimension: dim, seed: 9, clusters: 10 });
    const uniform = syntheticVectors({ count: 500, dimension: dim, seed: 8, clusters: 500, spread: 0 });
    // Queries differ from the data points but sit near them.
    expect(sameClusters).not.toEqual(data.subarray(0, 20 * dim));
    const near = meanBestSimilarity(data, sameClusters, dim);
    const far = meanBestSimilarity(data, otherClusters, dim);
    expect(near).toBeGreaterThan(0.5);
    expect(far).toBeLessThan(0.5);
    // Clustered data has far higher mean pairwise similarity than isotropic directions.
    const fewClusters = syntheticVectors({ count: 400, dimension: dim, seed: 8, clusters: 4 });
    let clustered = 0;
    let isotropic = 0;
    for (let i = 0; i < 200; i++) {
      clustered += dot(fewClusters, i, fewClusters, i + 200, dim);
      isotropic += dot(uniform, i, uniform, i + 200, dim);
    }
    expect(clustered / 200).toBeGreaterThan(0.08); // about 1/4 of pairs share a cluster, at cosine ~0.5
    expect(Math.abs(isotropic / 200)).toBeLessThan(0.03);
  });

  it('uses a distinct query stream per querySeed', () => {
    const base = { count: 5, dimension: dim, seed: 1 };
    expect(syntheticQueries({ ...base, querySeed: 5 })).toEqual(syntheticQueries({ ...base, querySeed: 5 }));
    expect(syntheticQueries({ ...base, querySeed: 5 })).not.toEqual(syntheticQueries({ ...base, querySeed: 6 }));
  });

  it('rejects bad sizes', () => {
    expect(() => syntheticVectors({ count: -1, dimension: dim, seed: 1 })).toThrow(RangeError);
    expect(() => syntheticVectors({ count: 1, dimension: 0, seed: 1 })).toThrow(RangeError);
    expect(syntheticVectors({ count: 0, dimension: dim, seed: 1 }).length).toBe(0);
  });
});
