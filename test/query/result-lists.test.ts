import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src/library/index.js';
import type { ClipHit, SearchRequest, SearchResponse, VideoHit } from '../../src/query/index.js';
import { cosine } from '../helpers/exact-search.js';
import { createTempLibrary, type TempLibrary, useTempLibraries } from '../helpers/temp-library.js';

/**
 * Issue 11 part 5 on an import holding clip, video and asset scopes: whole-video vectors
 * beside clips, a clip stored twice, a clip whose whole-video twin carries its vector.
 */
const DIM = 8;
const tempLibrary = useTempLibraries();

interface Row {
  video_id: string;
  start_sec: number;
  end_sec: number;
  embedding: number[];
  embedding_scope: string;
  embedding_option: string;
}

/** e0 scaled by `along`, plus `off` along axis `axis`: cosine with the query e0 is along / |v|. */
function vec(along: number, axis: number, off: number): number[] {
  const v = new Array<number>(DIM).fill(0);
  v[0] = along;
  v[axis] = (v[axis] as number) + off;
  return v;
}

const row = (
  video_id: string,
  start_sec: number,
  end_sec: number,
  embedding: number[],
  embedding_scope = 'clip',
): Row => ({ video_id, start_sec, end_sec, embedding, embedding_scope, embedding_option: 'visual' });

const SHORT = vec(0.5, 3, 1);
const ROWS: Row[] = [
  // 14 one-second clips, 12 scoring above 0 and 2 below; its whole-video vector scores best of all.
  ...Array.from({ length: 14 }, (_, i) =>
    row('long', i, i + 1, i < 12 ? vec(1 - i * 0.05, 1, 0.3 + i * 0.02) : vec(-1, 2, 0.5 + i * 0.01)),
  ),
  row('long', 0, 14, vec(1, 2, 0.05), 'video'),
  // One clip and its whole-video twin carrying the same vector.
  row('short', 0, 3, SHORT),
  row('short', 0, 3, SHORT, 'video'),
  // The same clip stored twice.
  row('twice', 0, 6, vec(0.3, 4, 1)),
  row('twice', 0, 6, vec(0.3, 4, 1)),
  row('twice', 6, 12, vec(0.2, 5, 1)),
  // Two consecutive clips with an asset-scope row between them in time order.
  row('merge', 0, 2, vec(0.6, 6, 1)),
  row('merge', 0, 3, vec(0.58, 6, 1), 'asset'),
  row('merge', 2, 3, vec(0.55, 6, 1.1)),
  // A video held only as a whole-video vector.
  row('whole', 0, 10, vec(0.4, 7, 1), 'video'),
];
const QUERY = vec(1, 1, 0);

const keyOf = (hit: { video_id: string; start: number; end: number; embedding_option: string }): string =>
  `${hit.video_id}@${hit.start}-${hit.end}/${hit.embedding_option}`;

/** The clip rows an exact scan ranks: clip scope, one per (video, start, end, option), best first. */
function exactClipKeys(
  rows: readonly Row[],
  query: readonly number[],
  leaveOut: (row: Row) => boolean = () => false,
): string[] {
  const best = new Map<string, number>();
  for (const r of rows) {
    if (r.embedding_scope !== 'clip' || leaveOut(r)) continue;
    const key = `${r.video_id}@${r.start_sec}-${r.end_sec}/${r.embedding_option}`;
    best.set(key, Math.max(best.get(key) ?? Number.NEGATIVE_INFINITY, cosine(r.embedding, query)));
  }
  return [...best].sort((a, b) => b[1] - a[1]).map(([key]) => key);
}

async function walk(lib: Library, request: SearchRequest): Promise<SearchResponse[]> {
  const pages = [await lib.search(request)];
  await lib.flush();
  for (let token = pages[0]?.page_info.next_page_token; token !== undefined; ) {
    const page = await lib.search({ pageToken: token });
    pages.push(page);
    token = page.page_info.next_page_token;
  }
  return pages;
}

let lib: Library;
/** Kept for the whole file (the libraries of useTempLibraries go after each test). */
let mixed: TempLibrary;
beforeAll(async () => {
  mixed = await createTempLibrary({ segments: ROWS, file: 'mixed.jsonl', importOptions: { model: 'custom-8' } });
  lib = mixed.lib;
});
afterAll(async () => {
  await mixed.cleanup();
});

describe('clip searches over a library holding clip, video and asset scopes', () => {
  it('returns clip-scope rows only, each span once, across pages, with an exact total', async () => {
    const pages = await walk(lib, { vector: QUERY, pageLimit: 3 });
    const hits = pages.flatMap((page) => page.data);
    expect(hits.map((hit) => hit.embedding_scope)).toEqual(hits.map(() => 'clip'));
    expect(hits.map(keyOf)).toEqual(exactClipKeys(ROWS, QUERY));
    expect(new Set(hits.map(keyOf)).size).toBe(hits.length);
    expect(pages[0]?.page_info.total_results).toBe(exactClipKeys(ROWS, QUERY).length);
    expect(hits.some((hit) => hit.video_id === 'whole')).toBe(false);
  });

  it('keeps the clip rule and the total under a floor and a filter', async () => {
    const response = await lib.search({
      vector: QUERY,
      minScore: 0.2,
      filter: { id: ['short', 'twice', 'merge'] },
      pageLimit: 50,
    });
    const exact = exactClipKeys(
      ROWS,
      QUERY,
      (r) => !['short', 'twice', 'merge'].includes(r.video_id) || cosine(r.embedding, QUERY) < 0.2,
    );
    expect(response.data.map(keyOf)).toEqual(exact);
    expect(response.page_info.total_results).toBe(exact.length);
  });

  it("merges a video's consecutive clips even with an asset-scope row between them", async () => {
    const response = await lib.search({ vector: QUERY, mergeAdjacent: true, filter: { id: ['merge'] } });
    expect(response.data.map(keyOf)).toEqual(['merge@0-3/visual']);
    expect(response.data[0]?.embedding_scope).toBe('clip');
    expect(response.data[0]?.score).toBeCloseTo(cosine(vec(0.6, 6, 1), QUERY), 5);
    expect(response.page_info.total_results).toBe(1);
  });

  it('leaves out a --like segment and its same-vector whole-video twin', async () => {
    const response = await lib.search({ like: 'short', pageLimit: 50 });
    expect(response.data.some((hit) => hit.video_id === 'short')).toBe(false);
    expect(response.data.every((hit) => hit.score < 0.999)).toBe(true);
    const exact = exactClipKeys(ROWS, SHORT, (r) => r.video_id === 'short');
    expect(response.data.map(keyOf)).toEqual(exact);
    expect(response.page_info.total_results).toBe(exact.length);
  });

  it("keeps a --like segment's twin that carries another vector", async () => {
    // merge@0 is a clip; the asset row of "merge" spans 0-3, another span: both stay answers.
    const response = await lib.search({ like: 'merge@0', pageLimit: 50 });
    expect(response.data.map(keyOf)).toEqual(
      exactClipKeys(ROWS, vec(0.6, 6, 1), (r) => r.video_id === 'merge' && r.start_sec === 0 && r.end_sec === 2),
    );
    expect(response.data.map(keyOf)).toContain('merge@2-3/visual');
  });
});

describe('searches grouped by video over mixed scopes', () => {
  it('lets a whole-video vector rank its video, lists clips only, at most 10, none below 0, best first', async () => {
    const response = await lib.search({ vector: QUERY, groupBy: 'video', pageLimit: 50 });
    const videos = response.data as VideoHit[];
    const long = videos.find((hit) => hit.video_id === 'long');
    expect(videos[0]?.video_id).toBe('long');
    expect(long).toMatchObject({ embedding_scope: 'video', start: 0, end: 14 });
    expect(long?.score).toBeCloseTo(cosine(vec(1, 2, 0.05), QUERY), 5);
    const expectedClips = exactClipKeys(
      ROWS,
      QUERY,
      (r) => r.video_id !== 'long' || cosine(r.embedding, QUERY) < 0,
    ).slice(0, 10);
    expect(long?.clips.map(keyOf)).toEqual(expectedClips);
    expect(long?.clips.map((clip) => clip.embedding_scope)).toEqual(expectedClips.map(() => 'clip'));
    const whole = videos.find((hit) => hit.video_id === 'whole');
    expect(whole).toMatchObject({ embedding_scope: 'video', clips: [] });
    const twice = videos.find((hit) => hit.video_id === 'twice');
    expect(twice?.clips.map(keyOf)).toEqual(['twice@0-6/visual', 'twice@6-12/visual']);
    expect(response.page_info.total_results).toBe(5);
  });

  it('lists no video whose every segment scores below the floor (0 without one)', async () => {
    const response = await lib.search({ vector: vec(-1, 2, 0.5), groupBy: 'video', pageLimit: 50 });
    const videos = response.data as VideoHit[];
    expect(videos.map((hit) => hit.video_id)).toEqual(['long']);
    expect(videos[0]?.clips.map(keyOf)).toEqual(['long@12-13/visual', 'long@13-14/visual']);
    expect(videos[0]?.clips.every((clip: ClipHit) => clip.score >= 0)).toBe(true);
    expect(response.page_info.total_results).toBe(1);
    const floored = await lib.search({ vector: QUERY, groupBy: 'video', minScore: 0.5, pageLimit: 50 });
    const expected = ['long', 'merge'];
    expect((floored.data as VideoHit[]).map((hit) => hit.video_id).sort()).toEqual([...expected].sort());
    for (const hit of floored.data as VideoHit[]) expect(hit.clips.every((clip) => clip.score >= 0.5)).toBe(true);
    expect(floored.page_info.total_results).toBe(expected.length);
  });
});

describe('merging clips of two lengths in one video', () => {
  it('lists a span two runs share once, scored by the better run, and counts it once', async () => {
    const rows = [
      row('v', 0, 2, vec(0.9, 1, 1)),
      row('v', 2, 4, vec(0.5, 2, 1)),
      row('v', 4, 6, vec(0.5, 3, 1)),
      row('v', 0, 3, vec(0.4, 4, 1)),
      row('v', 3, 6, vec(0.4, 5, 1)),
      row('v', 0, 6, vec(1, 6, 0.1), 'video'),
    ];
    const { lib: lengths } = await tempLibrary({
      segments: rows,
      file: 'lengths.jsonl',
      importOptions: { model: 'custom-8' },
    });
    try {
      const merged = await lengths.search({ vector: QUERY, mergeAdjacent: true });
      expect(merged.data.map(keyOf)).toEqual(['v@0-6/visual']);
      expect(merged.data[0]?.score).toBeCloseTo(cosine(vec(0.9, 1, 1), QUERY), 5);
      expect(merged.page_info.total_results).toBe(1);
      const plain = await lengths.search({ vector: QUERY });
      expect(plain.data.map(keyOf)).toEqual(exactClipKeys(rows, QUERY));
      expect(plain.page_info.total_results).toBe(5);
    } finally {
      await lengths.close();
    }
  });
});
