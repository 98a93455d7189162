import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type Library, openLibrary } from '../../src/library/index.js';
import type {
  ClipHit,
  QueryEmbedder,
  QueryInput,
  SearchRequest,
  SearchResponse,
  VideoHit,
} from '../../src/query/index.js';
import { type ExactRules, exactClips, exactVideos, hitKey, listedClips } from '../helpers/exact-search.js';
import { type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { createTempLibrary, type TempLibrary } from '../helpers/temp-library.js';

const DIM = 24;
const MODEL = { model: 'custom-24' };
const VIDEOS = 100;

/** Video v: 20 + v % 11 six-second clips, each embedded as visual and as audio; metadata and a source per video. */
function corpus(): JsonlSegment[] {
  const segments: JsonlSegment[] = [];
  for (let v = 0; v < VIDEOS; v++) {
    const clips = 20 + (v % 11);
    for (const [o, option] of ['visual', 'audio'].entries()) {
      for (let c = 0; c < clips; c++) {
        segments.push({
          video_id: `v${String(v).padStart(3, '0')}`,
          start_sec: c * 6,
          end_sec: (c + 1) * 6,
          embedding: testVector(DIM, v * 1000 + o * 100 + c + 1),
          embedding_option: option,
          source: `/media/${v % 5 === 0 ? 'special' : 'plain'}-${v}.mp4`,
          metadata: { collection: v % 2 === 0 ? 'nature' : 'city', year: 2000 + (v % 10), reviewed: v % 3 === 0 },
        });
      }
    }
  }
  return segments;
}

const SEGMENTS = corpus();
const key = (hit: ClipHit): string => hitKey(hit);
const meta = (segment: JsonlSegment): Record<string, unknown> => segment['metadata'] as Record<string, unknown>;
const durationOf = (video: string): number =>
  Math.max(...SEGMENTS.filter((s) => s.video_id === video).map((s) => s.end_sec));

/** The embedding the test embedder gives a text. */
const textVector = (text: string): number[] => testVector(DIM, text.length * 7919);

class CountingEmbedder implements QueryEmbedder {
  calls = 0;
  async embed(input: QueryInput): Promise<Float32Array> {
    this.calls++;
    return Float32Array.from(input.modality === 'text' ? textVector(input.text) : testVector(DIM, 1));
  }
}

let created: TempLibrary;
let libDir: string;
let lib: Library;
const embedder = new CountingEmbedder();

beforeAll(async () => {
  // ef 256: the tests compare against brute force, so the graph must find the true neighbours.
  created = await createTempLibrary({ index: { kind: 'hnsw', ef: 256 }, segments: SEGMENTS, importOptions: MODEL });
  await created.lib.close();
  libDir = created.dir;
  lib = await openLibrary(libDir, { embedder });
});

afterAll(async () => {
  await created.cleanup();
});

/** Every page of a search, first to last, by following next_page_token. */
async function walk(library: Library, request: SearchRequest): Promise<SearchResponse[]> {
  const pages = [await library.search(request)];
  for (let token = pages[0]?.page_info.next_page_token; token !== undefined; ) {
    const page = await library.search({ pageToken: token });
    pages.push(page);
    token = page.page_info.next_page_token;
    expect(pages.length).toBeLessThan(200);
  }
  return pages;
}

const Q1 = testVector(DIM, 4242);
const SECOND_TEXT = 'second query';
const Q2 = textVector(SECOND_TEXT);

describe('filtered search over an HNSW index', () => {
  it('uses the HNSW index', async () => {
    expect((await lib.stats()).index).toMatchObject({ kind: 'hnsw', count: SEGMENTS.length });
  });

  const cases: [string, SearchRequest['filter'], (s: JsonlSegment) => boolean][] = [
    [
      'user metadata string (half the library: the ANN path)',
      { collection: 'nature' },
      (s) => meta(s)['collection'] === 'nature',
    ],
    [
      'video ids (a few videos: the exact path)',
      { id: ['v003', 'v050', 'v077'] },
      (s) => ['v003', 'v050', 'v077'].includes(s.video_id),
    ],
    ['one video id as a string', { id: 'v010' }, (s) => s.video_id === 'v010'],
    [
      'duration range',
      { duration: { gte: 150, lte: 170 } },
      (s) => durationOf(s.video_id) >= 150 && durationOf(s.video_id) <= 170,
    ],
    ['duration equality', { duration: 120 }, (s) => durationOf(s.video_id) === 120],
    ['filename', { filename: 'special-35.mp4' }, (s) => s['source'] === '/media/special-35.mp4'],
    [
      'numeric range on metadata',
      { year: { gte: 2003, lte: 2005 } },
      (s) => (meta(s)['year'] as number) >= 2003 && (meta(s)['year'] as number) <= 2005,
    ],
    [
      'boolean metadata and any-of',
      { reviewed: true, year: [2001, 2002, 2006] },
      (s) => meta(s)['reviewed'] === true && [2001, 2002, 2006].includes(meta(s)['year'] as number),
    ],
    [
      'a filter JSON string',
      '{"collection": "city", "duration": {"gte": 160}}',
      (s) => meta(s)['collection'] === 'city' && durationOf(s.video_id) >= 160,
    ],
  ];

  it.each(cases)('%s: the exact filtered top 30 and an exact total', async (_, filter, allow) => {
    const response = await lib.search({ vector: Q1, filter, pageLimit: 30 });
    const exact = exactClips(SEGMENTS, [Q1], { allow });
    expect(exact.length).toBeGreaterThan(0);
    expect(response.data.map(key)).toEqual(exact.slice(0, 30).map((hit) => hit.key));
    expect(response.data[0]?.score).toBeCloseTo(exact[0]?.score ?? 0, 5);
    expect(response.page_info.total_results).toBe(exact.length);
  });

  it('combines a filter with search options', async () => {
    const allow = (s: JsonlSegment): boolean => s['embedding_option'] === 'audio' && meta(s)['collection'] === 'city';
    const response = await lib.search({
      vector: Q2,
      filter: { collection: 'city' },
      searchOptions: ['audio'],
      pageLimit: 40,
    });
    expect(response.data.map(key)).toEqual(
      exactClips(SEGMENTS, [Q2], { allow })
        .slice(0, 40)
        .map((hit) => hit.key),
    );
    expect(
      response.data.every((hit) => hit.embedding_option === 'audio' && hit.metadata['collection'] === 'city'),
    ).toBe(true);
  });

  it('fills the page when the filter leaves a single video', async () => {
    const response = await lib.search({ vector: Q1, filter: { id: 'v042' }, pageLimit: 50 });
    const exact = exactClips(SEGMENTS, [Q1], { allow: (s) => s.video_id === 'v042' });
    expect(exact).toHaveLength(2 * (20 + (42 % 11)));
    expect(response.data.map(key)).toEqual(exact.slice(0, 50).map((hit) => hit.key));
    expect(response.page_info.total_results).toBe(exact.length);
  });

  it('returns nothing, not an error, when the filter matches no segment', async () => {
    const response = await lib.search({ vector: Q1, filter: { collection: 'space' } });
    expect(response.data).toEqual([]);
    expect(response.page_info).toEqual({ limit_per_page: 10, total_results: 0 });
  });

  it.each([
    [{ duration: { gt: 5 } }, /unknown operator\(s\) gt; the filter knows gte and lte/],
    [{ id: 5 }, /"id" takes a video id or a non-empty array/],
    [{ id: [] }, /"id" takes a video id or a non-empty array/],
    [{ duration: 'long' }, /"duration" takes a number or \{"gte": number, "lte": number\}/],
    [{ filename: ['a.mp4'] }, /"filename" takes an exact file name/],
    [{ year: { gte: 'x' } }, /gte takes a number/],
    [{ year: { gte: 5, lte: 1 } }, /gte 5 is above lte 1/],
    [{ tags: [{ a: 1 }] }, /an array means "any of"/],
    [{ year: {} }, /a range needs gte, lte or both/],
    ['[1, 2]', /the filter must be a JSON object/],
    ['{not json', /the filter is not valid JSON/],
  ])('rejects the filter %j', async (filter, message) => {
    const search = lib.search({ vector: Q1, filter: filter as SearchRequest['filter'] });
    await expect(search).rejects.toThrow(InputError);
    await expect(lib.search({ vector: Q1, filter: filter as SearchRequest['filter'] })).rejects.toThrow(message);
  });

  it('keeps the error for a search option the library has no segments of', async () => {
    await expect(lib.search({ vector: Q1, searchOptions: ['transcription'] })).rejects.toThrow(
      /has no transcription segments \(it holds audio, visual\); drop `searchOptions`/,
    );
  });
});

describe('threshold', () => {
  it.each([
    ['high', 0.3],
    ['medium', 0.15],
  ] as const)('%s keeps hits of that confidence or better', async (threshold, floor) => {
    const response = await lib.search({ vector: Q1, threshold, filter: { reviewed: true }, pageLimit: 50 });
    const exact = exactClips(SEGMENTS, [Q1], { allow: (s) => meta(s)['reviewed'] === true, floor });
    expect(response.page_info.total_results).toBe(exact.length);
    expect(response.data.map(key)).toEqual(exact.slice(0, 50).map((hit) => hit.key));
    const allowed = threshold === 'high' ? ['high'] : ['high', 'medium'];
    expect(response.data.every((hit) => allowed.includes(hit.confidence))).toBe(true);
  });

  it('low and none set no floor, and min-score combines with a threshold (the higher wins)', async () => {
    const none = await lib.search({ vector: Q1, threshold: 'none', filter: { id: 'v001' } });
    const low = await lib.search({ vector: Q1, threshold: 'low', filter: { id: 'v001' } });
    expect(low.page_info.total_results).toBe(none.page_info.total_results);
    expect(none.page_info.total_results).toBe(2 * (20 + 1));
    const both = await lib.search({ vector: Q1, threshold: 'medium', minScore: 0.4, pageLimit: 50 });
    expect(both.page_info.total_results).toBe(exactClips(SEGMENTS, [Q1], { floor: 0.4 }).length);
    expect(both.data.every((hit) => hit.score >= 0.4)).toBe(true);
  });
});

describe('paging', () => {
  it('walks every page of a filtered, floored search: the exact list, no duplicate, no gap, ranks running on', async () => {
    const request: SearchRequest = { vector: Q1, filter: { collection: 'nature' }, minScore: 0.35, pageLimit: 9 };
    const pages = await walk(lib, request);
    const exact = exactClips(SEGMENTS, [Q1], { allow: (s) => meta(s)['collection'] === 'nature', floor: 0.35 });
    expect(exact.length).toBeGreaterThan(30);
    const hits = pages.flatMap((page) => page.data);
    expect(hits.map(key)).toEqual(exact.map((hit) => hit.key));
    expect(new Set(hits.map(key)).size).toBe(hits.length);
    expect(hits.map((hit) => hit.rank)).toEqual(hits.map((_, i) => i + 1));
    expect(pages.every((page) => page.page_info.total_results === exact.length)).toBe(true);
    expect(pages.slice(0, -1).every((page) => page.data.length === 9)).toBe(true);
    expect(pages[pages.length - 1]?.page_info.next_page_token).toBeUndefined();
  });

  it('walks the first pages of an unfloored search over the whole library', async () => {
    const first = await lib.search({ vector: Q2, pageLimit: 50 });
    expect(first.page_info.total_results).toBe(SEGMENTS.length);
    const hits = [...first.data];
    let token = first.page_info.next_page_token;
    for (let page = 2; page <= 4; page++) {
      const next = await lib.search({ pageToken: token as string });
      hits.push(...next.data);
      token = next.page_info.next_page_token;
    }
    expect(hits.map(key)).toEqual(
      exactClips(SEGMENTS, [Q2])
        .slice(0, 200)
        .map((hit) => hit.key),
    );
  });

  it('walks videos when grouping by video', async () => {
    const pages = await walk(lib, { vector: Q2, groupBy: 'video', filter: { year: { lte: 2004 } }, pageLimit: 7 });
    // Grouped by video, no floor asked means floor 0: a negative cosine is no match.
    const exact = exactVideos(SEGMENTS, [Q2], { allow: (s) => (meta(s)['year'] as number) <= 2004, floor: 0 });
    const hits = pages.flatMap((page) => page.data as VideoHit[]);
    expect(hits.map((hit) => hit.video_id)).toEqual(exact.map((video) => video.video));
    expect(pages[0]?.page_info.total_results).toBe(exact.length);
    for (const hit of hits) {
      const expected = exact.find((video) => video.video === hit.video_id);
      expect(hit.clips.map(key)).toEqual(listedClips(expected).map((clip) => clip.key));
      expect(hit.score).toBeCloseTo(expected?.score ?? 0, 5);
    }
  });

  it('answers page 2 from the token without embedding the query again', async () => {
    const before = embedder.calls;
    const first = await lib.search({ text: 'a heron fishing', pageLimit: 5 });
    expect(embedder.calls).toBe(before + 1);
    // Without the cached embedding, a page that embedded again would have to call the embedder.
    for (const name of await readdir(join(libDir, 'cache')))
      if (name.endsWith('.arrow')) await rm(join(libDir, 'cache', name));
    const second = await lib.search({ pageToken: first.page_info.next_page_token as string });
    const third = await lib.search({ pageToken: second.page_info.next_page_token as string });
    expect(embedder.calls).toBe(before + 1);
    const vector = textVector('a heron fishing');
    expect([...first.data, ...second.data, ...third.data].map(key)).toEqual(
      exactClips(SEGMENTS, [vector])
        .slice(0, 15)
        .map((hit) => hit.key),
    );
  });

  it('goes back with prev_page_token to the same page', async () => {
    const first = await lib.search({ vector: Q1, filter: { reviewed: false }, pageLimit: 6 });
    const second = await lib.search({ pageToken: first.page_info.next_page_token as string });
    expect(second.page_info.prev_page_token).toBeDefined();
    expect(first.page_info.prev_page_token).toBeUndefined();
    const again = await lib.search({ pageToken: second.page_info.prev_page_token as string });
    expect(again.data).toEqual(first.data);
    expect(again.page_info.next_page_token).toBe(first.page_info.next_page_token);
    const secondAgain = await lib
      .search({ pageToken: second.page_info.prev_page_token as string })
      .then((page) => lib.search({ pageToken: page.page_info.next_page_token as string }));
    expect(secondAgain.data).toEqual(second.data);
  });

  it('rejects malformed and unknown tokens', async () => {
    await expect(lib.search({ pageToken: 'not a token' })).rejects.toThrow(/search_page_token_expired: .*invalid/);
    const unknown = Buffer.from('0123456789abcdef01234567-2').toString('base64url');
    await expect(lib.search({ pageToken: unknown })).rejects.toThrow(
      /search_page_token_expired: .*names no search of this library/,
    );
    await expect(lib.search({ pageToken: 'not a token' })).rejects.toThrow(InputError);
  });
});

describe('operator and', () => {
  const floor = 0.3;

  it('keeps only videos every query matched, in exact order, across pages', async () => {
    const pages = await walk(lib, { operator: 'and', minScore: floor, pageLimit: 11, ...twoQueries() });
    const exact = exactClips(SEGMENTS, [Q1, Q2], { floor, every: true });
    const orList = exactClips(SEGMENTS, [Q1, Q2], { floor });
    expect(exact.length).toBeLessThan(orList.length);
    expect(pages.flatMap((page) => page.data).map(key)).toEqual(exact.map((hit) => hit.key));
    expect(pages[0]?.page_info.total_results).toBe(exact.length);
  });

  it('groups by video the same way', async () => {
    const response = await lib.search({
      operator: 'and',
      minScore: floor,
      groupBy: 'video',
      pageLimit: 50,
      ...twoQueries(),
    });
    const exact = exactVideos(SEGMENTS, [Q1, Q2], { floor, every: true });
    expect(exact.length).toBeGreaterThan(50);
    expect(response.page_info.total_results).toBe(exact.length);
    expect((response.data as VideoHit[]).map((hit) => hit.video_id)).toEqual(
      exact.slice(0, 50).map((video) => video.video),
    );
    expect((response.data as VideoHit[]).map((hit) => hit.clips.map(key))).toEqual(
      exact.slice(0, 50).map((video) => listedClips(video, floor).map((clip) => clip.key)),
    );
  });

  it('or scores a clip by its best query', async () => {
    const response = await lib.search({
      operator: 'or',
      filter: { collection: 'city' },
      pageLimit: 25,
      ...twoQueries(),
    });
    expect(response.data.map(key)).toEqual(
      exactClips(SEGMENTS, [Q1, Q2], { allow: (s) => meta(s)['collection'] === 'city' })
        .slice(0, 25)
        .map((hit) => hit.key),
    );
  });
});

describe('mergeAdjacent', () => {
  it('merges consecutive matching clips of one option into one hit with the better score, across pages', async () => {
    const rules: ExactRules = { floor: 0.25, mergeAdjacent: true, allow: (s) => meta(s)['collection'] === 'nature' };
    const pages = await walk(lib, {
      vector: Q1,
      minScore: 0.25,
      mergeAdjacent: true,
      filter: { collection: 'nature' },
      pageLimit: 8,
    });
    const exact = exactClips(SEGMENTS, [Q1], rules);
    const hits = pages.flatMap((page) => page.data);
    expect(hits.map((hit) => `${key(hit)}-${hit.end}`)).toEqual(exact.map((hit) => `${hit.key}-${hit.end}`));
    expect(hits.some((hit) => hit.end - hit.start > 6)).toBe(true);
    expect(pages[0]?.page_info.total_results).toBe(exact.length);
    expect(exact.length).toBeLessThan(exactClips(SEGMENTS, [Q1], { ...rules, mergeAdjacent: false }).length);
    hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i]?.score ?? 0, 5));
  });

  it('merges within each video when grouping by video', async () => {
    const response = await lib.search({
      vector: Q2,
      minScore: 0.2,
      mergeAdjacent: true,
      groupBy: 'video',
      pageLimit: 5,
    });
    const exact = exactVideos(SEGMENTS, [Q2], { floor: 0.2, mergeAdjacent: true });
    for (const [i, hit] of (response.data as VideoHit[]).entries()) {
      expect(hit.video_id).toBe(exact[i]?.video);
      expect(hit.clips.map((clip) => `${key(clip)}-${clip.end}`)).toEqual(
        listedClips(exact[i], 0.2).map((clip) => `${clip.key}-${clip.end}`),
      );
    }
  });
});

describe('page tokens expire with the library generation', () => {
  it('fails after an import and after an rm, and says to search again', async () => {
    const few = SEGMENTS.filter((s) => ['v001', 'v002', 'v003'].includes(s.video_id));
    const expiring = await createTempLibrary({
      index: { kind: 'hnsw' },
      segments: few,
      file: 'few.jsonl',
      importOptions: MODEL,
    });
    const { lib: library, work: dir } = expiring;
    try {
      const first = await library.search({ vector: Q1, pageLimit: 5 });
      const token = first.page_info.next_page_token as string;
      expect((await library.search({ pageToken: token })).data).toHaveLength(5);
      await library.importSegments(
        await writeJsonl(
          dir,
          'more.jsonl',
          SEGMENTS.filter((s) => s.video_id === 'v004'),
        ),
        MODEL,
      );
      await expect(library.search({ pageToken: token })).rejects.toThrow(
        /search_page_token_expired: .*the library changed .*search again/,
      );
      const fresh = await library.search({ vector: Q1, pageLimit: 5 });
      await library.removeVideo('v004');
      await expect(library.search({ pageToken: fresh.page_info.next_page_token as string })).rejects.toThrow(
        /search_page_token_expired/,
      );
      const reopened = await openLibrary(join(dir, 'lib'));
      await expect(reopened.search({ pageToken: fresh.page_info.next_page_token as string })).rejects.toThrow(
        InputError,
      );
    } finally {
      await expiring.cleanup();
    }
  });
});

/** Q1 and Q2: the library takes one vector, so Q2 comes in as a text query the test embedder answers. */
function twoQueries(): SearchRequest {
  return { vector: Q1, text: SECOND_TEXT };
}
