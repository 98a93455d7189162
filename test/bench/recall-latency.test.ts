import { describe, expect, it } from 'vitest';
import { percentile, summarize } from '../../src/bench/percentiles.js';
import { exactGroundTruth, meanRecall, measureEf, measureRecallLatency } from '../../src/bench/recall-latency.js';
import { sampleQueries } from '../../src/bench/sample-queries.js';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { ExactIndex } from '../../src/index/exact-index.js';
import type { KnnResult, VectorIndex } from '../../src/index/vector-index.js';

const DIM = 32;
const N = 600;
const shape = { dimension: DIM, seed: 7, clusters: 8 };
const vectors = syntheticVectors({ ...shape, count: N });
const labels = Uint32Array.from({ length: N }, (_, i) => 1000 + i);
const queries = syntheticQueries({ ...shape, count: 40 });

function dot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d] as number) * (b[j * dim + d] as number);
  return s;
}

describe('percentile', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('interpolates linearly between closest ranks', () => {
    expect(percentile(oneToHundred, 0.5)).toBeCloseTo(50.5, 10);
    expect(percentile(oneToHundred, 0.99)).toBeCloseTo(99.01, 10);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20, 30], 0.5)).toBe(20);
    expect(percentile([10, 20, 30], 0.75)).toBe(25);
  });

  it('gives the extremes at 0 and 1, the value itself for one sample, NaN for none', () => {
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile(oneToHundred, 1)).toBe(100);
    expect(percentile([42], 0.99)).toBe(42);
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });

  it('summarize sorts unsorted samples without touching them', () => {
    const samples = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10];
    const copy = [...samples];
    const summary = summarize(samples);
    expect(samples).toEqual(copy);
    expect(summary).toEqual({
      count: 10,
      mean: 5.5,
      p50: 5.5,
      p99: expect.closeTo(9.91, 10) as number,
      min: 1,
      max: 10,
    });
  });
});

describe('meanRecall', () => {
  it('is the mean share of each true top-k found, regardless of order', () => {
    const truth = [Uint32Array.of(1, 2, 3, 4), Uint32Array.of(5, 6)];
    expect(meanRecall([Uint32Array.of(4, 3, 2, 1), Uint32Array.of(6, 5)], truth)).toBe(1);
    expect(meanRecall([Uint32Array.of(1, 2, 9, 9), Uint32Array.of(7, 8)], truth)).toBe((2 / 4 + 0) / 2);
    expect(meanRecall([Uint32Array.of(1, 1, 1, 1), Uint32Array.of(5)], truth)).toBe((1 / 4 + 1 / 2) / 2);
  });

  it('refuses results that do not line up with the truth', () => {
    expect(() => meanRecall([Uint32Array.of(1)], [])).toThrow(/1 results for 0/);
  });
});

describe('measureEf', () => {
  const exact = new ExactIndex(DIM);
  exact.add(vectors, labels);
  const { truth } = exactGroundTruth(exact, queries, 10);

  it('scores a perfect index 1 and a half-wrong one 0.5', () => {
    expect(measureEf(exact, queries, 10, 16, truth).recall).toBe(1);
    // An index that finds only the best five of the ten.
    const halfRight: VectorIndex = {
      kind: 'exact',
      dimension: DIM,
      size: N,
      add: () => undefined,
      remove: () => undefined,
      has: () => true,
      search: (query, k): KnnResult => {
        const { labels: best, scores } = exact.search(query, k);
        return { labels: Uint32Array.from(best, (label, i) => (i < 5 ? label : 1)), scores };
      },
    };
    expect(measureEf(halfRight, queries, 10, 16, truth).recall).toBe(0.5);
  });

  it('ground truth is the true top-k by brute force', () => {
    for (const q of [0, 17, 39]) {
      const scores = Array.from({ length: N }, (_, i) => ({
        label: 1000 + i,
        score: dot(queries, q, vectors, i, DIM),
      }));
      scores.sort((a, b) => b.score - a.score);
      expect([...(truth[q] as Uint32Array)]).toEqual(scores.slice(0, 10).map((s) => s.label));
    }
  });
});

describe('measureRecallLatency', () => {
  const report = measureRecallLatency({
    vectors,
    labels,
    dimension: DIM,
    queries,
    k: 10,
    efs: [4, 32, N],
    M: 8,
    efConstruction: 100,
    seed: 3,
  });

  it('reports the run it made', () => {
    expect(report).toMatchObject({
      count: N,
      dimension: DIM,
      queries: 40,
      k: 10,
      hnsw: { M: 8, efConstruction: 100, seed: 3 },
    });
    // ef below k is raised to k, as the index does.
    expect(report.sweep.map((r) => r.ef)).toEqual([10, 32, N]);
    expect(report.build.seconds).toBeGreaterThan(0);
    expect(report.build.vectorsPerSecond).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('recall is in [0, 1] and reaches 1 when ef covers the whole set', () => {
    for (const r of report.sweep) {
      expect(r.recall).toBeGreaterThanOrEqual(0);
      expect(r.recall).toBeLessThanOrEqual(1);
    }
    expect(report.sweep.at(-1)?.recall).toBe(1);
    expect(report.sweep[0]?.recall).toBeLessThanOrEqual(report.sweep.at(-1)?.recall ?? 0);
  });

  it('latencies are positive and ordered, QPS agrees with the mean', () => {
    for (const figures of [report.exact, ...report.sweep]) {
      expect(figures.p50Us).toBeGreaterThan(0);
      expect(figures.p99Us).toBeGreaterThanOrEqual(figures.p50Us);
      expect(figures.qps).toBeGreaterThan(0);
      // qps = queries / total time = 1e6 / mean us, up to rounding.
      expect(Math.abs(figures.qps - 1e6 / figures.meanUs) / figures.qps).toBeLessThan(0.02);
    }
  });

  it('rejects empty sweeps and bad k', () => {
    const base = { vectors, labels, dimension: DIM, queries, M: 8, efConstruction: 50 };
    expect(() => measureRecallLatency({ ...base, k: 10, efs: [] })).toThrow(/ef sweep is empty/);
    expect(() => measureRecallLatency({ ...base, k: 0, efs: [16] })).toThrow(/k must be a positive integer/);
  });
});

describe('sampleQueries', () => {
  const sample = (seed: number, count = 50): Float32Array => sampleQueries({ vectors, dimension: DIM, count, seed });

  it('is deterministic per seed', () => {
    expect(sample(5)).toEqual(sample(5));
    expect(sample(6)).not.toEqual(sample(5));
  });

  it('gives unit vectors close to, but not equal to, distinct stored rows', () => {
    const out = sample(5, N);
    const sources = new Set<number>();
    for (let q = 0; q < N; q++) {
      expect(dot(out, q, out, q, DIM)).toBeCloseTo(1, 5);
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < N; i++) {
        const score = dot(out, q, vectors, i, DIM);
        if (score > bestScore) [best, bestScore] = [i, score];
      }
      expect(bestScore).toBeGreaterThan(0.98);
      expect(bestScore).toBeLessThan(0.99999);
      sources.add(best);
    }
    // Without replacement: N queries come from N different rows.
    expect(sources.size).toBe(N);
  });
});
