import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchRequest } from '../../src/query/index.js';
import type { ApiClip, ApiSearchResults, ApiVideo } from '../../src/server/index.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import {
  BUTTERFLY_PNG,
  getPage,
  keyOf,
  postSearch,
  type Served,
  searchForm,
  serveMediaSamples,
  useMediaSamplesEmulator,
} from './serve-fixture.js';

/** Each search feature through the server, checked against the library's own answer to the same request. */
let dir: string;
let served: Served;
let indexId: string;

const suiteDir = useSuiteTempDir();
const mediaEmulator = useMediaSamplesEmulator();
beforeAll(async () => {
  dir = suiteDir();
  served = await serveMediaSamples(dir, mediaEmulator());
  indexId = served.lib.manifest.id;
});
afterAll(async () => {
  await served?.close();
});

type Fields = Record<string, string | number | readonly string[]>;

async function search(fields: Fields, files: Parameters<typeof searchForm>[1] = []): Promise<ApiSearchResults> {
  const { status, body } = await postSearch<ApiSearchResults>(
    served.server,
    searchForm({ index_id: indexId, ...fields }, files),
  );
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** The same search asked of the library directly: its hits as [key, score]. */
async function direct(request: SearchRequest): Promise<[string, number][]> {
  const response = await served.lib.search(request);
  return response.data.map((hit) => [keyOf(hit), hit.score]);
}

const clips = (results: ApiSearchResults): [string, number][] =>
  (results.data as ApiClip[]).map((hit) => [keyOf(hit), hit.score]);

describe('search features through vsearch serve', () => {
  it('search_options keeps hits of those embedding options only', async () => {
    const audio = await search({ query_text: 'a steady electronic tone', search_options: ['audio'], page_limit: 50 });
    expect((audio.data as ApiClip[]).every((hit) => hit.embedding_option === 'audio')).toBe(true);
    expect(clips(audio)).toEqual(
      await direct({ text: 'a steady electronic tone', searchOptions: ['audio'], pageLimit: 50 }),
    );
    const both = await search({
      query_text: 'a steady electronic tone',
      search_options: ['visual', 'audio'],
      page_limit: 50,
    });
    expect(new Set((both.data as ApiClip[]).map((hit) => hit.embedding_option))).toEqual(new Set(['visual', 'audio']));
    expect(both.page_info.total_results).toBeGreaterThan(audio.page_info.total_results);
  });

  it('filter: user metadata, video ids and duration ranges, as the library filters them', async () => {
    const cases: Record<string, (hit: ApiClip) => boolean> = {
      '{"kind": "audio"}': (hit) => hit.video_id === 'test-tone.wav',
      '{"id": ["bbb-3sec.mp4", "test-tone.wav"]}': (hit) => hit.video_id !== 'test-card-16x9.avi',
      '{"duration": {"gte": 2.5}}': (hit) => hit.video_id === 'bbb-3sec.mp4',
      '{"order": {"lte": 1}, "kind": "video"}': (hit) => hit.video_id !== 'test-tone.wav',
    };
    for (const [filter, allowed] of Object.entries(cases)) {
      const results = await search({
        query_text: 'a test card',
        search_options: ['visual', 'audio'],
        filter,
        page_limit: 50,
      });
      expect(results.data.length, filter).toBeGreaterThan(0);
      expect((results.data as ApiClip[]).every(allowed), filter).toBe(true);
      expect(clips(results), filter).toEqual(
        await direct({ text: 'a test card', searchOptions: ['visual', 'audio'], filter, pageLimit: 50 }),
      );
    }
  });

  it('threshold keeps hits of at least that confidence', async () => {
    const all = await search({
      query_text: 'a butterfly over the flowers',
      search_options: ['visual'],
      page_limit: 50,
    });
    const high = await search({
      query_text: 'a butterfly over the flowers',
      search_options: ['visual'],
      threshold: 'high',
      page_limit: 50,
    });
    expect(high.data.length).toBeGreaterThan(0);
    expect(high.data.length).toBeLessThan(all.data.length);
    expect((high.data as ApiClip[]).every((hit) => hit.confidence === 'high')).toBe(true);
    expect(clips(high)).toEqual(
      await direct({
        text: 'a butterfly over the flowers',
        searchOptions: ['visual'],
        threshold: 'high',
        pageLimit: 50,
      }),
    );
    const medium = await search({
      query_text: 'a butterfly over the flowers',
      search_options: ['visual'],
      threshold: 'medium',
      page_limit: 50,
    });
    expect((medium.data as ApiClip[]).every((hit) => hit.confidence !== 'low')).toBe(true);
  });

  it('page tokens: next pages until the end, no overlap and no gap; the previous token goes back', async () => {
    const request = { query_text: 'a white rabbit in a meadow', search_options: ['visual', 'audio', 'transcription'] };
    const expected = await direct({
      text: 'a white rabbit in a meadow',
      searchOptions: ['visual', 'audio', 'transcription'],
      pageLimit: 50,
    });
    const pages: ApiSearchResults[] = [await search({ ...request, page_limit: 4 })];
    for (
      let token = pages[0]?.page_info.next_page_token;
      token !== undefined;
      token = pages[pages.length - 1]?.page_info.next_page_token
    ) {
      const page = await getPage<ApiSearchResults>(served.server, token);
      expect(page.status).toBe(200);
      pages.push(page.body);
    }
    expect(pages.length).toBe(Math.ceil(expected.length / 4));
    const walked = pages.flatMap(clips);
    expect(walked.map(([, score]) => score)).toEqual(expected.map(([, score]) => score));
    expect(walked.map(([key]) => key).sort()).toEqual(expected.map(([key]) => key).sort());
    expect(pages.flatMap((page) => (page.data as ApiClip[]).map((hit) => hit.rank))).toEqual(
      expected.map((_, i) => i + 1),
    );
    for (const page of pages)
      expect(page.page_info).toMatchObject({ limit_per_page: 4, total_results: expected.length });
    const back = await getPage<ApiSearchResults>(served.server, pages[1]?.page_info.prev_page_token as string);
    expect(back.body.data).toEqual(pages[0]?.data);
  });

  it('operator and: a video must match every query (text and image) above the threshold', async () => {
    const fields = {
      query_text: 'a colour test card with vertical bars',
      query_media_type: 'image',
      search_options: ['visual'],
      threshold: 'medium',
      group_by: 'video',
    };
    const image = [{ name: 'query_media_file', bytes: BUTTERFLY_PNG, filename: 'butterfly.png' }];
    const or = await search({ ...fields, operator: 'or' }, image);
    const and = await search({ ...fields, operator: 'and' }, image);
    const videos = (results: ApiSearchResults): string[] => (results.data as ApiVideo[]).map((video) => video.id);
    const queries = {
      text: fields.query_text,
      image: served.images.butterfly,
      searchOptions: ['visual'],
      threshold: 'medium',
      groupBy: 'video',
    } as const;
    expect(videos(or)).toEqual(
      (await served.lib.search({ ...queries, operator: 'or' })).data.map((hit) => hit.video_id),
    );
    expect(videos(and)).toEqual(
      (await served.lib.search({ ...queries, operator: 'and' })).data.map((hit) => hit.video_id),
    );
    expect(videos(or)).toEqual(expect.arrayContaining(['bbb-3sec.mp4', 'test-card-16x9.avi']));
    expect(videos(and).length).toBeLessThan(videos(or).length);
  });

  it('group_by video: each video once, ranked by its best clip, its clips under it', async () => {
    const results = await search({
      query_text: 'a white rabbit',
      search_options: ['visual', 'audio'],
      group_by: 'video',
      page_limit: 50,
    });
    const videos = results.data as ApiVideo[];
    expect(new Set(videos.map((video) => video.id)).size).toBe(videos.length);
    expect(videos.map((video) => video.rank)).toEqual(videos.map((_, i) => i + 1));
    for (const video of videos) {
      expect(video.clips.length).toBeGreaterThan(0);
      expect(video.clips.every((clip) => clip.video_id === video.id)).toBe(true);
      expect(video.score).toBe(video.clips[0]?.score);
    }
    expect(results.page_info.total_results).toBe(videos.length);
  });

  it("include_user_metadata adds each hit's user_metadata; merge_adjacent merges as the library does", async () => {
    const plain = await search({ query_text: 'a tone', search_options: ['audio'], page_limit: 2 });
    expect((plain.data as ApiClip[])[0]).not.toHaveProperty('user_metadata');
    const withMetadata = await search({
      query_text: 'a tone',
      search_options: ['audio'],
      page_limit: 2,
      include_user_metadata: 'true',
    });
    expect((withMetadata.data as ApiClip[])[0]?.user_metadata).toEqual({ kind: 'audio', order: 2 });
    const nextUrl = `${served.server.url}/search/${withMetadata.page_info.next_page_token as string}`;
    const nextWith = (await (await fetch(`${nextUrl}?include_user_metadata=true`)).json()) as ApiSearchResults;
    expect((nextWith.data as ApiClip[])[0]?.user_metadata).toEqual(
      expect.objectContaining({ kind: expect.any(String) }),
    );
    const nextWithout = (await (await fetch(nextUrl)).json()) as ApiSearchResults;
    expect((nextWithout.data as ApiClip[])[0]).not.toHaveProperty('user_metadata');
    const merged = await search({
      query_text: 'a white rabbit',
      search_options: ['visual'],
      merge_adjacent: 'true',
      page_limit: 50,
    });
    expect(clips(merged)).toEqual(
      await direct({ text: 'a white rabbit', searchOptions: ['visual'], mergeAdjacent: true, pageLimit: 50 }),
    );
  });
});
