import { describe, expect, it, vi } from 'vitest';
import { ExactIndex, type VectorIndex } from '../../src/index/index.js';
import type { KnnResult, SearchOptions } from '../../src/index/vector-index.js';
import {
  normalizeQueryVector,
  normalizeSearch,
  type RetrievalPlan,
  type SearchRequest,
} from '../../src/query/index.js';
import { LabelFacts } from '../../src/query/label-facts.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { pipelineOver } from './stages/pipeline-fixture.js';

const tempDir = useTempDirs();
const DIM = 16;
const SEGMENTS: JsonlSegment[] = Array.from({ length: 30 }, (_, v) =>
  clipSegments(`v${v}`, 20, DIM, v + 1, { metadata: { shard: v % 4 } }),
).flat();

async function engineOver(
  kind: 'hnsw' | 'exact',
  options: { plan?: Partial<RetrievalPlan>; wrap?: (index: VectorIndex) => VectorIndex } = {},
) {
  const pipeline = await pipelineOver(await tempDir(), SEGMENTS, kind, 'custom-16', options);
  const search = (request: SearchRequest, ...queries: (readonly number[])[]) =>
    pipeline.search(
      queries.map((query) => normalizeQueryVector(query, DIM, 'q')),
      normalizeSearch(request),
    );
  return { engine: pipeline, steps: pipeline.steps, search };
}

/** Passes searches through but, under a filter, returns only half of what was asked: a graph that gets stuck. */
class ShortIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  constructor(readonly inner: VectorIndex) {}
  get dimension(): number {
    return this.inner.dimension;
  }
  get size(): number {
    return this.inner.size;
  }
  add(vectors: Float32Array, labels: Uint32Array): void {
    this.inner.add(vectors, labels);
  }
  remove(labels: Iterable<number>): void {
    this.inner.remove(labels);
  }
  has(label: number): boolean {
    return this.inner.has(label);
  }
  search(query: Float32Array, k: number, options?: SearchOptions): KnnResult {
    const result = this.inner.search(query, k, options);
    if (options?.filter === undefined) return result;
    const keep = Math.floor(result.labels.length / 2);
    return { labels: result.labels.slice(0, keep), scores: result.scores.slice(0, keep) };
  }
}

const shard =
  (n: number) =>
  (segment: JsonlSegment): boolean =>
    (segment['metadata'] as { shard: number }).shard === n;
const FORCE_ANN: Partial<RetrievalPlan> = { exactPoolMin: 0, exactPoolFraction: 0 };

describe("the search pipeline's retrieval", () => {
  it('answers a filtered query through the HNSW filter callback when the pool is large', async () => {
    const { steps, search } = await engineOver('hnsw', { plan: FORCE_ANN });
    const query = testVector(DIM, 99);
    const response = await search({ filter: { shard: 1 }, pageLimit: 12 }, query);
    expect(steps[0]?.strategy).toBe('ann');
    expect(steps.every((step) => step.strategy === 'ann')).toBe(true);
    expect(response.data.map(hitKey)).toEqual(
      exactClips(SEGMENTS, [query], { allow: shard(1) })
        .slice(0, 12)
        .map((hit) => hit.key),
    );
  });

  it('scans the allowed labels exactly when they are a small share of the index', async () => {
    const { steps, search } = await engineOver('hnsw', { plan: { exactPoolMin: 0, exactPoolFraction: 0.05 } });
    const query = testVector(DIM, 98);
    const response = await search({ filter: { id: ['v3', 'v4'] }, pageLimit: 50 }, query);
    expect(steps).toEqual([{ strategy: 'exact', k: 40, ef: 0, returned: 40 }]);
    expect(response.data.map(hitKey)).toEqual(
      exactClips(SEGMENTS, [query], { allow: (s) => ['v3', 'v4'].includes(s.video_id) }).map((hit) => hit.key),
    );
  });

  it('widens k when the first candidates do not fill the page', async () => {
    const { steps, search } = await engineOver('hnsw', { plan: FORCE_ANN });
    const query = testVector(DIM, 97);
    // With every clip matching, each video merges into one hit: 29 hits need candidates from 29 of the 30 videos.
    const response = await search({ mergeAdjacent: true, minScore: -1, pageLimit: 29 }, query);
    expect(steps.length).toBeGreaterThan(1);
    expect(steps[0]?.strategy).toBe('ann');
    expect(steps.map((step) => step.k)).toEqual([...steps.map((step) => step.k)].sort((a, b) => a - b));
    const exact = exactClips(SEGMENTS, [query], { floor: -1, mergeAdjacent: true });
    expect(exact).toHaveLength(30);
    expect(response.data.map((hit) => `${hitKey(hit)}-${hit.end}`)).toEqual(
      exact.slice(0, 29).map((hit) => `${hit.key}-${hit.end}`),
    );
    expect(response.page_info.total_results).toBe(30);
  });

  it('keeps operator "and" exact under a floor', async () => {
    const { search } = await engineOver('hnsw', { plan: FORCE_ANN });
    const [q1, q2] = [testVector(DIM, 97), testVector(DIM, 93)];
    const response = await search({ operator: 'and', minScore: 0.45, pageLimit: 50 }, q1, q2);
    const exact = exactClips(SEGMENTS, [q1, q2], { floor: 0.45, every: true });
    expect(exact.length).toBeLessThan(exactClips(SEGMENTS, [q1, q2], { floor: 0.45 }).length);
    expect(response.data.map(hitKey)).toEqual(exact.map((hit) => hit.key));
    expect(response.page_info.total_results).toBe(exact.length);
  });

  it('falls back to an exact scan after rounds that come back short, and still fills the page exactly', async () => {
    const { steps, search } = await engineOver('hnsw', {
      plan: { ...FORCE_ANN, maxShortRounds: 3 },
      wrap: (index) => new ShortIndex(index),
    });
    const query = testVector(DIM, 96);
    const response = await search({ filter: { shard: [1, 2] }, pageLimit: 10 }, query);
    expect(steps.map((step) => step.strategy)).toEqual(['ann', 'ann', 'ann', 'exact']);
    expect(steps.slice(0, 3).every((step) => step.returned < step.k)).toBe(true);
    expect(steps[1]?.ef).toBeGreaterThan(steps[0]?.ef ?? 0);
    expect(response.data.map(hitKey)).toEqual(
      exactClips(SEGMENTS, [query], { allow: (s) => shard(1)(s) || shard(2)(s) })
        .slice(0, 10)
        .map((hit) => hit.key),
    );
  });

  it('gives the same answers over the exact index', async () => {
    const { search } = await engineOver('exact', { plan: FORCE_ANN });
    const query = testVector(DIM, 95);
    const response = await search({ filter: { shard: [0, 3] }, minScore: 0.2, pageLimit: 50 }, query);
    const exact = exactClips(SEGMENTS, [query], { allow: (s) => shard(0)(s) || shard(3)(s), floor: 0.2 });
    expect(response.data.map(hitKey)).toEqual(exact.slice(0, 50).map((hit) => hit.key));
    expect(response.page_info.total_results).toBe(exact.length);
  });

  it('builds the label facts once per library generation', async () => {
    const builds = vi.spyOn(LabelFacts, 'build');
    try {
      const { search } = await engineOver('hnsw');
      const query = testVector(DIM, 94);
      for (let i = 0; i < 5; i++)
        await search({ filter: { shard: i % 4 }, groupBy: i % 2 === 0 ? 'clip' : 'video' }, query);
      expect(builds).toHaveBeenCalledTimes(1);
    } finally {
      builds.mockRestore();
    }
  });
});

describe('ExactIndex stand-in check', () => {
  it('the ShortIndex wrapper really returns short filtered results', () => {
    const inner = new ExactIndex(2);
    inner.add(new Float32Array([1, 0, 0, 1, 0.7, 0.7]), new Uint32Array([0, 1, 2]));
    const short = new ShortIndex(inner);
    expect(short.search(new Float32Array([1, 0]), 2, { filter: () => true }).labels).toHaveLength(1);
    expect(short.search(new Float32Array([1, 0]), 2).labels).toHaveLength(2);
  });
});
