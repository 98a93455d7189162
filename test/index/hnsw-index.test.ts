import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { InputError } from '../../src/errors.js';
import { DEFAULT_HNSW_PARAMS, ExactIndex, HnswIndex } from '../../src/index/index.js';

function row(data: Float32Array, i: number, dim: number): Float32Array {
  return data.subarray(i * dim, (i + 1) * dim);
}

function sequence(from: number, count: number): Uint32Array {
  return Uint32Array.from({ length: count }, (_, i) => from + i);
}

describe('HnswIndex recall on 10k x 512', () => {
  const count = 10_000;
  const dim = 512;
  const queryCount = 200;
  const data = syntheticVectors({ count, dimension: dim, seed: 2024 });
  const queries = syntheticQueries({ count: queryCount, dimension: dim, seed: 2024 });
  let hnsw: HnswIndex;
  let exact: ExactIndex;
  let buildMs = 0;

  beforeAll(() => {
    const started = performance.now();
    hnsw = new HnswIndex({ dimension: dim, M: 16, efConstruction: 200, seed: 1 });
    hnsw.add(data, sequence(0, count));
    buildMs = performance.now() - started;
    exact = new ExactIndex(dim);
    exact.add(data, sequence(0, count));
  });

  function measure(ef: number): { recall: number; msPerQuery: number; worstScoreGap: number } {
    let hits = 0;
    let ms = 0;
    let worstScoreGap = 0;
    for (let q = 0; q < queryCount; q++) {
      const query = row(queries, q, dim);
      const truth = exact.search(query, 10);
      const started = performance.now();
      const found = hnsw.search(query, 10, { ef });
      ms += performance.now() - started;
      expect(found.labels.length).toBe(10);
      const truthScore = new Map<number, number>();
      truth.labels.forEach((label, i) => truthScore.set(label, truth.scores[i] as number));
      found.labels.forEach((label, i) => {
        const expected = truthScore.get(label);
        if (expected === undefined) return;
        hits++;
        worstScoreGap = Math.max(worstScoreGap, Math.abs(expected - (found.scores[i] as number)));
      });
    }
    return { recall: hits / (queryCount * 10), msPerQuery: ms / queryCount, worstScoreGap };
  }

  it(`reaches recall@10 >= 0.99 against the exact index at the default ef ${DEFAULT_HNSW_PARAMS.ef}`, () => {
    const started = performance.now();
    for (let q = 0; q < queryCount; q++) exact.search(row(queries, q, dim), 10);
    const exactMs = (performance.now() - started) / queryCount;
    const low = measure(10);
    const standard = measure(DEFAULT_HNSW_PARAMS.ef);
    console.log(
      `10k x 512, M 16, efConstruction 200: build ${buildMs.toFixed(0)} ms; exact ${exactMs.toFixed(2)} ms/query; ` +
        `ef 10: recall@10 ${low.recall.toFixed(4)}, ${low.msPerQuery.toFixed(3)} ms/query; ` +
        `ef ${DEFAULT_HNSW_PARAMS.ef}: recall@10 ${standard.recall.toFixed(4)}, ${standard.msPerQuery.toFixed(3)} ms/query`,
    );
    expect(standard.recall).toBeGreaterThanOrEqual(0.99);
    // The per-search ef reaches the graph: a narrow search loses recall.
    expect(low.recall).toBeLessThan(standard.recall);
    // Scores are cosine similarities (1 - hnswlib's cosine distance), as the exact index computes them.
    expect(standard.worstScoreGap).toBeLessThan(1e-4);
  });

  it('finds each stored vector as its own nearest neighbour', () => {
    for (let i = 0; i < count; i += 499) {
      const top = hnsw.search(row(data, i, dim), 1);
      expect(top.labels[0]).toBe(i);
      expect(top.scores[0]).toBeCloseTo(1, 4);
    }
  });
});

describe('HnswIndex behaviour', () => {
  const dim = 32;
  const data = syntheticVectors({ count: 1000, dimension: dim, seed: 5, clusters: 8 });
  const queries = syntheticQueries({ count: 10, dimension: dim, seed: 5, clusters: 8 });

  function build(count = 1000, capacity?: number): HnswIndex {
    const index = new HnswIndex({ dimension: dim, seed: 3, ...(capacity === undefined ? {} : { capacity }) });
    index.add(data.subarray(0, count * dim), sequence(0, count));
    return index;
  }

  it('excludes removed labels from the very next search', () => {
    const index = build();
    const query = row(queries, 0, dim);
    const before = index.search(query, 10);
    const gone = [before.labels[0] as number, before.labels[1] as number];
    index.remove(gone);
    expect(index.size).toBe(998);
    expect(index.has(gone[0] as number)).toBe(false);
    const after = index.search(query, 10);
    expect(after.labels.length).toBe(10);
    for (const label of gone) expect([...after.labels]).not.toContain(label);
    expect([...after.labels].slice(0, 8)).toEqual([...before.labels].slice(2));

    index.add(new Float32Array(query), Uint32Array.of(gone[0] as number)); // revive with a new vector
    expect(index.size).toBe(999);
    expect(index.search(query, 1).labels[0]).toBe(gone[0]);
  });

  it('grows past its initial capacity geometrically', () => {
    const index = new HnswIndex({ dimension: dim, capacity: 10, seed: 3 });
    const capacities = new Set<number>();
    for (let from = 0; from < 1000; from += 7) {
      const to = Math.min(1000, from + 7);
      index.add(data.subarray(from * dim, to * dim), sequence(from, to - from));
      capacities.add(index.maxElements);
    }
    expect(index.size).toBe(1000);
    expect(index.maxElements).toBeGreaterThanOrEqual(1000);
    expect(capacities.size).toBeLessThan(10); // resized a handful of times, not once per add
    for (let i = 0; i < 1000; i += 37) expect(index.search(row(data, i, dim), 1).labels[0]).toBe(i);
  });

  it('validates labels and shapes before touching the graph', () => {
    const index = build(10);
    const two = data.subarray(0, 2 * dim);
    expect(() => index.add(two, [20, 2 ** 32] as unknown as Uint32Array)).toThrow(InputError);
    expect(() => index.add(two, [20, -1] as unknown as Uint32Array)).toThrow(/uint32/);
    expect(() => index.add(two, [20, 1.5] as unknown as Uint32Array)).toThrow(InputError);
    expect(() => index.add(two, Uint32Array.of(20, 3))).toThrow(/already in the index/);
    expect(() => index.add(two, Uint32Array.of(20))).toThrow(InputError);
    expect(() => index.remove([2 ** 32 + 3])).toThrow(InputError);
    expect(() => index.search(new Float32Array(dim - 1), 1)).toThrow(/dimension/);
    expect(() => index.search(row(data, 0, dim), 1, { ef: 0 })).toThrow(InputError);
    expect(() => {
      index.ef = 2.5;
    }).toThrow(InputError);
    expect(index.params).toEqual(DEFAULT_HNSW_PARAMS);
    expect(index.size).toBe(10);
    expect(index.graphCount).toBe(10);
    expect(index.has(20)).toBe(false);
    // 2**32 + 3 would wrap to 3 inside the binding; it must not have removed label 3.
    expect(index.has(3)).toBe(true);

    index.add(data.subarray(10 * dim, 11 * dim), Uint32Array.of(0xffff_ffff));
    expect(index.search(row(data, 10, dim), 1).labels[0]).toBe(0xffff_ffff);
  });

  it('clamps k to the live size and handles the empty index', () => {
    const index = new HnswIndex({ dimension: dim });
    const query = row(queries, 1, dim);
    expect(index.search(query, 10).labels.length).toBe(0);
    index.add(data.subarray(0, 5 * dim), sequence(100, 5));
    const all = index.search(query, 50, { ef: 1 });
    expect(all.labels.length).toBe(5);
    expect(new Set(all.labels)).toEqual(new Set([100, 101, 102, 103, 104]));
    for (let i = 1; i < 5; i++) expect(all.scores[i - 1]).toBeGreaterThanOrEqual(all.scores[i] as number);
    index.remove([100, 101]);
    expect(index.search(query, 50).labels.length).toBe(3);
    index.remove([102, 103, 104]);
    expect(index.size).toBe(0);
    expect(index.search(query, 50).labels.length).toBe(0);
  });

  it('honours a filter and matches exact scores', () => {
    const index = build();
    const exact = new ExactIndex(dim);
    exact.add(data, sequence(0, 1000));
    const odd = (label: number): boolean => label % 2 === 1;
    for (let q = 0; q < 10; q++) {
      const query = row(queries, q, dim);
      const found = index.search(query, 10, { filter: odd, ef: 200 });
      const truth = exact.search(query, 10, { filter: odd });
      expect([...found.labels].every(odd)).toBe(true);
      expect([...found.labels]).toEqual([...truth.labels]);
      found.scores.forEach((score, i) => expect(score).toBeCloseTo(truth.scores[i] as number, 4));
    }
  });

  it('hands out its copy of a live vector, and nothing for removed or unknown labels', () => {
    const index = build();
    const copy = index.vectorOf(7);
    expect(copy).toBeInstanceOf(Float32Array);
    const stored = row(data, 7, dim);
    (copy ?? new Float32Array(dim)).forEach((value, j) => expect(value).toBeCloseTo(stored[j] as number, 5));
    index.remove([7]);
    expect(index.vectorOf(7)).toBeUndefined();
    expect(index.vectorOf(123_456)).toBeUndefined();
    expect(index.vectorOf(-1)).toBeUndefined();
  });
});
