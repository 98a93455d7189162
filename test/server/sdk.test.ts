import { createReadStream } from 'node:fs';
import { TwelveLabs } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { allHits, type Served, serveMediaSamples, useMediaSamplesEmulator } from './serve-fixture.js';

/**
 * The official SDK, pointed at `vsearch serve` through TWELVELABS_BASE_URL (docs/design.md section 3),
 * with the emulator as the server's upstream: every answer must pass the SDK's parsers, in the
 * order the library itself gives.
 */
const SERVE_KEY = 'serve-key-for-the-sdk';
let dir: string;
let served: Served;
let sdk: TwelveLabs;
let indexId: string;
const savedBaseUrl = process.env['TWELVELABS_BASE_URL'];

const suiteDir = useSuiteTempDir();
const mediaEmulator = useMediaSamplesEmulator();
beforeAll(async () => {
  dir = suiteDir();
  served = await serveMediaSamples(dir, mediaEmulator(), { apiKey: SERVE_KEY });
  indexId = served.lib.manifest.id;
  process.env['TWELVELABS_BASE_URL'] = served.server.url;
  sdk = new TwelveLabs({ apiKey: SERVE_KEY });
});
afterAll(async () => {
  if (savedBaseUrl === undefined) delete process.env['TWELVELABS_BASE_URL'];
  else process.env['TWELVELABS_BASE_URL'] = savedBaseUrl;
  await served?.close();
});

const clipKey = (hit: {
  videoId?: string | undefined;
  video_id?: string;
  start?: number | undefined;
  end?: number | undefined;
}): string => `${hit.videoId ?? hit.video_id}@${hit.start}-${hit.end}`;

describe('twelvelabs-js against vsearch serve', () => {
  it("search.create with text: the library's hits, in its order, parsed by the SDK", async () => {
    const result = await sdk.search.create({
      indexId,
      queryText: 'a butterfly over the flowers',
      searchOptions: ['visual'],
      pageLimit: 2,
    });
    const all = await allHits(served.lib, { text: 'a butterfly over the flowers', searchOptions: ['visual'] });
    expect(all.length).toBeGreaterThan(2);
    expect(result.data?.map(clipKey)).toEqual(all.slice(0, 2).map(clipKey));
    expect(result.data?.map((hit) => hit.rank)).toEqual([1, 2]);
    expect(result.data?.[0]).toMatchObject({ videoId: 'bbb-3sec.mp4', start: 2, end: 3.008 });
    expect(result.pageInfo).toMatchObject({ limitPerPage: 2, totalResults: all.length });
    expect(result.pageInfo?.nextPageToken).toEqual(expect.any(String));
    expect(result.searchPool).toEqual({ totalCount: 3, totalDuration: 6.008, indexId });
  });

  it('search.create with an image file (query_media_file)', async () => {
    const result = await sdk.search.create({
      indexId,
      queryMediaType: 'image',
      queryMediaFile: createReadStream(served.images.butterfly),
      searchOptions: ['visual'],
      pageLimit: 2,
    });
    const expected = (await allHits(served.lib, { image: served.images.butterfly, searchOptions: ['visual'] })).slice(
      0,
      2,
    );
    expect(result.data?.map(clipKey)).toEqual(expected.map(clipKey));
    expect(result.data?.[0]).toMatchObject({ videoId: 'bbb-3sec.mp4', start: 2, end: 3.008 });
  });

  it('search.create with group_by video: videos with their clips', async () => {
    const result = await sdk.search.create({
      indexId,
      queryText: 'a colour test card',
      searchOptions: ['visual', 'audio'],
      groupBy: 'video',
      pageLimit: 2,
    });
    const expected = await served.lib.search({
      text: 'a colour test card',
      searchOptions: ['visual', 'audio'],
      groupBy: 'video',
      pageLimit: 2,
    });
    expect(result.data?.map((video) => video.id)).toEqual(expected.data.map((video) => video.video_id));
    expect(result.data?.[0]?.id).toBe('test-card-16x9.avi');
    const firstClips =
      'clips' in (expected.data[0] ?? {})
        ? (expected.data[0] as { clips: { video_id: string; start: number; end: number }[] }).clips
        : [];
    expect(result.data?.[0]?.clips?.map(clipKey)).toEqual(firstClips.map(clipKey));
    expect(result.pageInfo?.totalResults).toBe(expected.page_info.total_results);
  });

  it('search.retrieve with the next page token: the next hits, no overlap, no gap', async () => {
    const first = await sdk.search.create({
      indexId,
      queryText: 'a white rabbit in a meadow',
      searchOptions: ['visual', 'audio'],
      pageLimit: 4,
    });
    const token = first.pageInfo?.nextPageToken;
    expect(token).toEqual(expect.any(String));
    const second = await sdk.search.retrieve(token as string);
    const expected = await allHits(served.lib, {
      text: 'a white rabbit in a meadow',
      searchOptions: ['visual', 'audio'],
    });
    const scores = [...(first.data ?? []), ...(second.data ?? [])].map((hit) => (hit as { score?: number }).score);
    expect(scores).toEqual(expected.slice(0, scores.length).map((hit) => hit.score));
    expect(second.data?.map((hit) => hit.rank)).toEqual(second.data?.map((_, i) => 5 + i));
    expect(second.pageInfo?.prevPageToken).toEqual(expect.any(String));
    expect(second.pageInfo?.totalResults).toBe(expected.length);
  });

  it("search.query: the SDK's pager walks every page through retrieve", async () => {
    const pager = await sdk.search.query({
      indexId,
      queryText: 'a colour test card',
      searchOptions: ['visual', 'audio', 'transcription'],
      pageLimit: 5,
    });
    const walked: number[] = [];
    for await (const hit of pager) walked.push((hit as { score: number }).score);
    const expected = await allHits(served.lib, {
      text: 'a colour test card',
      searchOptions: ['visual', 'audio', 'transcription'],
    });
    expect(walked).toEqual(expected.map((hit) => hit.score));
    expect(walked.length).toBeGreaterThan(5);
  });

  it("the SDK raises its own errors from the server's error bodies", async () => {
    await expect(
      sdk.search.create({ indexId: 'not-this-library', queryText: 'a rabbit', searchOptions: ['visual'] }),
    ).rejects.toMatchObject({ statusCode: 400, body: { code: 'index_not_exists' } });
    await expect(sdk.search.retrieve('bm90LWEtdG9rZW4')).rejects.toMatchObject({
      statusCode: 400,
      body: { code: 'search_page_token_expired' },
    });
  });
});
