import { describe, expect, it } from 'vitest';
import { plainExactScan } from '../../src/bench/plain-exact-scan.js';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { pairedTimes, searchFigures, timeSearches, timeSearchesAsync } from '../../src/bench/timed-search.js';
import { ExactIndex } from '../../src/index/index.js';

const shape = { dimension: 24, seed: 3, clusters: 5 };
const vectors = syntheticVectors({ ...shape, count: 400 });
const queries = syntheticQueries({ ...shape, count: 20 });
const queryAt = (q: number): Float32Array => queries.subarray(q * 24, (q + 1) * 24);

describe('plainExactScan', () => {
  it('finds the same top k as the exact index, best first', () => {
    const exact = new ExactIndex(24);
    exact.add(
      vectors,
      Uint32Array.from({ length: 400 }, (_, i) => i),
    );
    for (let q = 0; q < 20; q++)
      expect(Array.from(plainExactScan(vectors, 24, queryAt(q), 7))).toEqual(
        Array.from(exact.search(queryAt(q), 7).labels),
      );
  });

  it('returns every row when k exceeds them', () => {
    expect(plainExactScan(vectors.subarray(0, 3 * 24), 24, queryAt(0), 10)).toHaveLength(3);
  });
});

describe('timed searches', () => {
  const truth = Array.from({ length: 20 }, (_, q) => plainExactScan(vectors, 24, queryAt(q), 5));

  it('scores recall against the truth and times every query', async () => {
    const perfect = timeSearches(20, (q) => truth[q] as Uint32Array, 2);
    expect(perfect.micros).toHaveLength(20);
    const figures = searchFigures(perfect, truth);
    expect(figures.recall).toBe(1);
    expect(figures.qps).toBeGreaterThan(0);
    const half = await timeSearchesAsync(20, async (q) => (truth[q] as Uint32Array).subarray(0, q % 2 === 0 ? 5 : 0));
    expect(searchFigures(half, truth).recall).toBe(0.5);
  });

  it('scores a subset of the queries against the first truth rows', () => {
    expect(
      searchFigures(
        timeSearches(5, (q) => truth[q] as Uint32Array),
        truth,
      ).recall,
    ).toBe(1);
    expect(() =>
      searchFigures(
        timeSearches(3, () => []),
        truth.slice(0, 2),
      ),
    ).toThrow(/3 results but only 2 ground-truth rows/);
  });
});

describe('pairedTimes', () => {
  it('times both runs once per query, alternating which goes first, and awaits promises', async () => {
    const calls: string[] = [];
    const times = await pairedTimes(
      4,
      (q) => calls.push(`a${q}`),
      async (q) => {
        await Promise.resolve();
        calls.push(`b${q}`);
      },
    );
    expect(calls).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2', 'b3', 'a3']);
    expect(times.a).toHaveLength(4);
    expect(times.b).toHaveLength(4);
  });
});
