import { describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { InputError } from '../../src/errors.js';
import { ExactIndex } from '../../src/index/index.js';

const DIM = 48;

function naiveTopK(
  data: Float32Array,
  labels: Uint32Array,
  query: Float32Array,
  k: number,
  keep: (label: number) => boolean = () => true,
): { label: number; score: number }[] {
  const all: { label: number; score: number }[] = [];
  for (let r = 0; r < labels.length; r++) {
    const label = labels[r] as number;
    if (!keep(label)) continue;
    let score = 0;
    for (let j = 0; j < DIM; j++) score += (query[j] as number) * (data[r * DIM + j] as number);
    all.push({ label, score });
  }
  all.sort((a, b) => b.score - a.score || a.label - b.label);
  return all.slice(0, k);
}

function row(data: Float32Array, i: number): Float32Array {
  return data.subarray(i * DIM, (i + 1) * DIM);
}

function expectMatches(
  result: { labels: Uint32Array; scores: Float32Array },
  expected: { label: number; score: number }[],
): void {
  expect([...result.labels]).toEqual(expected.map((e) => e.label));
  expected.forEach((e, i) => expect(result.scores[i]).toBeCloseTo(e.score, 5));
}

describe('ExactIndex', () => {
  const count = 3000;
  const data = syntheticVectors({ count, dimension: DIM, seed: 7, clusters: 16 });
  // Sparse, shuffled-looking labels so label order never coincides with row order.
  const labels = Uint32Array.from({ length: count }, (_, i) => (i * 2654435761) % 4294967291);
  const queries = syntheticQueries({ count: 25, dimension: DIM, seed: 7, clusters: 16 });

  it('returns the same top k as a full sort, best first', () => {
    const index = new ExactIndex(DIM);
    index.add(data, labels);
    expect(index.size).toBe(count);
    for (let q = 0; q < 25; q++) {
      const query = row(queries, q);
      const result = index.search(query, 10);
      expectMatches(result, naiveTopK(data, labels, query, 10));
      for (let i = 1; i < result.scores.length; i++)
        expect(result.scores[i - 1]).toBeGreaterThanOrEqual(result.scores[i] as number);
    }
  });

  it('searches many chunks and keeps references to them rather than copies', () => {
    const index = new ExactIndex(DIM);
    const cuts = [0, 1, 700, 701, 2000, count];
    for (let c = 1; c < cuts.length; c++) {
      const from = cuts[c - 1] as number;
      const to = cuts[c] as number;
      index.add(data.subarray(from * DIM, to * DIM), labels.subarray(from, to));
    }
    expect(index.size).toBe(count);
    for (let q = 0; q < 10; q++)
      expectMatches(index.search(row(queries, q), 7), naiveTopK(data, labels, row(queries, q), 7));

    const own = syntheticVectors({ count: 3, dimension: DIM, seed: 99 });
    const small = new ExactIndex(DIM);
    small.add(own, Uint32Array.of(10, 11, 12));
    const query = row(queries, 0);
    own.set(query, 2 * DIM); // mutate after add: a copy would not see this
    const top = small.search(query, 1);
    expect(top.labels[0]).toBe(12);
    expect(top.scores[0]).toBeCloseTo(1, 5);
  });

  it('drops removed labels at once and accepts them again later', () => {
    const index = new ExactIndex(DIM);
    index.add(data.subarray(0, 1500 * DIM), labels.subarray(0, 1500));
    index.add(data.subarray(1500 * DIM), labels.subarray(1500));
    const query = row(queries, 3);
    const before = index.search(query, 5);
    const gone = [before.labels[0] as number, before.labels[2] as number];
    index.remove([...gone, 123456789]); // an unknown label is ignored
    expect(index.size).toBe(count - 2);
    expect(index.has(gone[0] as number)).toBe(false);
    expect(index.has(before.labels[1] as number)).toBe(true);
    const removed = new Set(gone);
    expectMatches(
      index.search(query, 5),
      naiveTopK(data, labels, query, 5, (l) => !removed.has(l)),
    );

    index.remove(gone); // removing twice is a no-op
    expect(index.size).toBe(count - 2);

    index.add(new Float32Array(query), Uint32Array.of(gone[1] as number));
    expect(index.size).toBe(count - 1);
    const again = index.search(query, 1);
    expect(again.labels[0]).toBe(gone[1]);
    expect(again.scores[0]).toBeCloseTo(1, 5);
  });

  it('honours a filter', () => {
    const index = new ExactIndex(DIM);
    index.add(data, labels);
    const even = (label: number): boolean => label % 2 === 0;
    for (let q = 0; q < 5; q++) {
      const result = index.search(row(queries, q), 10, { filter: even });
      expect([...result.labels].every(even)).toBe(true);
      expectMatches(result, naiveTopK(data, labels, row(queries, q), 10, even));
    }
    expect(index.search(row(queries, 0), 10, { filter: () => false }).labels.length).toBe(0);
  });

  it('clamps k to the live size and handles the empty index', () => {
    const index = new ExactIndex(DIM);
    const query = row(queries, 0);
    expect(index.search(query, 10).labels.length).toBe(0);
    index.add(data.subarray(0, 5 * DIM), Uint32Array.of(5, 4, 3, 2, 1));
    const all = index.search(query, 100);
    expect(all.labels.length).toBe(5);
    expect(new Set(all.labels)).toEqual(new Set([1, 2, 3, 4, 5]));
    index.remove([1, 2]);
    expect(index.search(query, 100).labels.length).toBe(3);
    expect(index.search(query, 0).labels.length).toBe(0);
    index.remove([3, 4, 5]);
    expect(index.search(query, 3).labels.length).toBe(0);
  });

  it('breaks score ties by ascending label', () => {
    const index = new ExactIndex(DIM);
    const same = new Float32Array(4 * DIM);
    for (let r = 0; r < 4; r++) same.set(row(data, 0), r * DIM);
    index.add(same, Uint32Array.of(40, 10, 30, 20));
    expect([...index.search(row(data, 0), 3).labels]).toEqual([10, 20, 30]);
  });

  it('rejects bad input without changing the index', () => {
    const index = new ExactIndex(DIM);
    index.add(data.subarray(0, 2 * DIM), Uint32Array.of(1, 2));
    expect(() => index.add(data.subarray(0, 2 * DIM), Uint32Array.of(3))).toThrow(InputError);
    expect(() => index.add(data.subarray(0, 2 * DIM), Uint32Array.of(3, 3))).toThrow(/already in the index/);
    expect(() => index.add(data.subarray(0, 2 * DIM), Uint32Array.of(3, 2))).toThrow(InputError);
    expect(() => index.remove([-1])).toThrow(InputError);
    expect(() => index.remove([2 ** 32])).toThrow(InputError);
    expect(() => index.search(new Float32Array(DIM + 1), 1)).toThrow(/dimension/);
    expect(() => index.search(row(data, 0), 1.5)).toThrow(InputError);
    expect(() => new ExactIndex(0)).toThrow(InputError);
    expect(index.size).toBe(2);
    expect(index.has(3)).toBe(false);
  });
});
