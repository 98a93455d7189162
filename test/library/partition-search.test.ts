import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { testVector } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const tempDir = useTempDirs();
const DIM = 32;
const VIDEOS = 120;
const CLIPS = 25;

const unit = (v: readonly number[]): number[] => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

/** Videos whose clips vary around a point of their own, as a video's scenes do. */
function clusteredSegments() {
  return Array.from({ length: VIDEOS }, (_, v) => {
    const base = testVector(DIM, v + 1);
    return Array.from({ length: CLIPS }, (_, c) => {
      const noise = testVector(DIM, 50_000 + v * CLIPS + c);
      return {
        video_id: `video-${v}`,
        start_sec: c * 6,
        end_sec: (c + 1) * 6,
        embedding: unit(base.map((x, j) => x + 0.6 * (noise[j] as number))),
      };
    });
  }).flat();
}

/** Every clip by its exact cosine with `query`, best first, as "video@start". */
function exactRanking(segments: ReturnType<typeof clusteredSegments>, query: readonly number[]): string[] {
  const q = unit(query);
  return segments
    .map((s) => ({
      key: `${s.video_id}@${s.start_sec}`,
      score: s.embedding.reduce((sum, x, j) => sum + x * (q[j] as number), 0),
    }))
    .sort((a, b) => b.score - a.score)
    .map((s) => s.key);
}

/**
 * A closed clustered library on a sparse graph searched narrowly (the graph alone misses part of
 * a text query's top 10), with one cached text query: a video's direction diluted by a shared
 * offset, across the gap as a text query is.
 */
async function clusteredLibrary(text: string, videoSeed: number) {
  const segments = clusteredSegments();
  const { lib, dir } = await tempLibrary({
    index: { kind: 'hnsw', M: 4, efConstruction: 8, ef: 10 },
    indexThreads: 1,
    segments,
    importOptions: { model: 'custom-32' },
  });
  const offset = testVector(DIM, 99_999);
  const query = testVector(DIM, videoSeed).map((x, j) => 0.5 * x + (offset[j] as number));
  await lib.cacheQuery({ modality: 'text', text }, Float32Array.from(query));
  await lib.close();
  return { dir, segments, query };
}

const keyOf = (hit: { video_id: string; start: number }): string => `${hit.video_id}@${hit.start}`;

describe('partition search (OpenLibraryOptions.partitionSearch)', () => {
  it("answers a cached text query's first and second pages with the exact ranking of a clustered library", async () => {
    const { dir, segments, query } = await clusteredLibrary('a scene', 17);
    const want = exactRanking(segments, query);
    const plain = await openLibrary(dir);
    const byGraph = (await plain.search({ text: 'a scene', offline: true })).data.map(keyOf);
    await plain.close();
    expect(byGraph.filter((key) => want.slice(0, 10).includes(key)).length).toBeLessThan(10);

    const partitioned = await openLibrary(dir, { partitionSearch: true });
    try {
      const first = await partitioned.search({ text: 'a scene', offline: true });
      expect(first.data.map(keyOf)).toEqual(want.slice(0, 10));
      const token = first.page_info.next_page_token;
      expect(token).toBeDefined();
      const second = await partitioned.search({ pageToken: token as string });
      expect(second.data.map(keyOf)).toEqual(want.slice(10, 20));
    } finally {
      await partitioned.close();
    }
  });

  it('keeps a filter exact (the filtered ranking) and groups by video from the partitions it scores', async () => {
    const { dir, segments, query } = await clusteredLibrary('another scene', 41);
    const partitioned = await openLibrary(dir, { partitionSearch: 4 });
    try {
      const wanted = ['video-3', 'video-77', 'video-118'];
      const filtered = await partitioned.search({ text: 'another scene', offline: true, filter: { id: wanted } });
      const want = exactRanking(
        segments.filter((s) => wanted.includes(s.video_id)),
        query,
      );
      expect(filtered.data.map(keyOf)).toEqual(want.slice(0, 10));

      const grouped = await partitioned.search({
        text: 'another scene',
        offline: true,
        groupBy: 'video',
        pageLimit: 5,
      });
      const bestVideos = [...new Set(exactRanking(segments, query).map((key) => key.split('@')[0]))].slice(0, 5);
      expect(grouped.data.map((group) => group.video_id)).toEqual(bestVideos);
    } finally {
      await partitioned.close();
    }
  });

  it('refuses a probe count that is not a whole number of partitions, before creating anything', async () => {
    const dir = join(await tempDir(), 'lib');
    await expect(openLibrary(dir, { create: true, partitionSearch: 0 })).rejects.toThrow(
      /`partitionSearch` must be true, false or a whole number of partitions to probe \(1 or more\), got 0/,
    );
    await expect(access(dir)).rejects.toThrow();
  });

  it('is refused on a PostgreSQL library, which searches its pgvector index, before connecting', async () => {
    await expect(openLibrary('postgres://vsearch@127.0.0.1:1/none', { partitionSearch: true })).rejects.toThrow(
      /`partitionSearch` applies to a folder library: a PostgreSQL library searches its pgvector index/,
    );
  });
});
