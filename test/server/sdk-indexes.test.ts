import type { TwelveLabs } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry, RunningSearchServer } from '../../src/server/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { type SdkOnRoot, sdkOnRoot } from './sdk-root-fixture.js';
import { type Built, useMediaSamplesEmulator } from './serve-fixture.js';

/**
 * The official SDK against `vsearch serve --root` with the emulator upstream, as an app uses
 * one base URL: indexes, videos of a library built beforehand through the emulator, search
 * with a filter on updated metadata, and embed.create passed on upstream.
 */
const SERVE_KEY = 'serve-key-not-the-upstream-one';
let fixture: SdkOnRoot | undefined;
let built: Built;
let server: RunningSearchServer;
let sdk: TwelveLabs;
let builtId: string;
const log: RequestLogEntry[] = [];

const suiteDir = useSuiteTempDir();
const mediaEmulator = useMediaSamplesEmulator();
beforeAll(async () => {
  fixture = await sdkOnRoot(suiteDir(), mediaEmulator(), SERVE_KEY, { onRequest: (entry) => log.push(entry) });
  ({ built, server, sdk } = fixture);
  builtId = built.lib.manifest.id;
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

describe('twelvelabs-js against vsearch serve --root', () => {
  it("indexes: create, list, retrieve, update (rename), delete, with the API's error codes", async () => {
    const created = await sdk.indexes.create({
      indexName: 'sdk-made',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
      addons: ['thumbnail'],
    });
    const id = created.id ?? '';
    // The SDK's enum has only marengo3.0; a pegasus entry (accepted and stored) goes as the API takes it.
    const withPegasus = await fetch(`${server.url}/indexes`, {
      method: 'POST',
      headers: { 'x-api-key': SERVE_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        index_name: 'two-models',
        models: [
          { model_name: 'marengo2.7', model_options: ['visual'] },
          { model_name: 'pegasus1.2', model_options: ['visual', 'audio'] },
        ],
      }),
    });
    expect(withPegasus.status).toBe(201);
    const pegasusId = ((await withPegasus.json()) as { _id: string })._id;
    expect((await sdk.indexes.retrieve(pegasusId)).models).toEqual([
      { modelName: 'marengo2.7', modelOptions: ['visual'] },
      { modelName: 'pegasus1.2', modelOptions: ['visual', 'audio'] },
    ]);
    await sdk.indexes.delete(pegasusId);
    expect(id).toMatch(/^lib_[0-9a-f]{24}$/);
    await expect(
      sdk.indexes.create({ indexName: 'sdk-made', models: [{ modelName: 'marengo3.0', modelOptions: ['visual'] }] }),
    ).rejects.toMatchObject({ statusCode: 400, body: { code: 'index_name_already_exists' } });
    await expect(
      sdk.indexes.create({ indexName: 'bad-options', models: [{ modelName: 'marengo3.0', modelOptions: ['smell'] }] }),
    ).rejects.toMatchObject({ statusCode: 400, body: { code: 'parameter_invalid' } });

    const listed = await sdk.indexes.list({ sortOption: 'asc' });
    expect(listed.data.map((index) => index.indexName)).toEqual(['lib', 'sdk-made']);
    const retrieved = await sdk.indexes.retrieve(id);
    expect(retrieved).toMatchObject({
      id,
      indexName: 'sdk-made',
      videoCount: 0,
      totalDuration: 0,
      addons: ['thumbnail'],
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
    });
    const builtIndex = await sdk.indexes.retrieve(builtId);
    expect(builtIndex).toMatchObject({
      id: builtId,
      indexName: 'lib',
      videoCount: 3,
      models: [{ modelName: 'marengo3.0' }],
    });
    expect(builtIndex.totalDuration).toBeCloseTo(6.008, 3);

    await sdk.indexes.update(id, { indexName: 'sdk-renamed' });
    expect((await sdk.indexes.retrieve(id)).indexName).toBe('sdk-renamed');
    expect((await sdk.indexes.list({ indexName: 'sdk-renamed' })).data.map((index) => index.id)).toEqual([id]);

    await sdk.indexes.delete(id);
    await expect(sdk.indexes.retrieve(id)).rejects.toMatchObject({
      statusCode: 400,
      body: { code: 'index_not_exists' },
    });
    expect((await sdk.indexes.list()).data.map((index) => index.id)).toEqual([builtId]);
  });

  it('videos: list, retrieve with embeddings, update user_metadata (searchable with filter at once), delete', async () => {
    const videos = await sdk.indexes.videos.list(builtId, { sortOption: 'asc' });
    const names = videos.data.map((video) => video.systemMetadata?.filename).sort();
    expect(names).toEqual(['bbb-3sec.mp4', 'test-card-16x9.avi', 'test-tone.wav']);
    const card = (await built.lib.listVideos()).find((video) => video.filename === 'test-card-16x9.avi');
    const cardId = card?.video_id ?? '';
    expect(
      (await sdk.indexes.videos.list(builtId, { filename: 'test-card-16x9.avi' })).data.map((video) => video.id),
    ).toEqual([cardId]);
    expect((await sdk.indexes.videos.list(builtId, { duration: { gte: 100 } })).data).toEqual([]);

    const detail = await sdk.indexes.videos.retrieve(builtId, cardId, { embeddingOption: ['visual'] });
    const stored = await built.lib.getVideo(cardId, { vectors: true });
    const visual = stored.segments.filter((segment) => segment.embedding_option === 'visual');
    expect(detail.systemMetadata).toMatchObject({ filename: 'test-card-16x9.avi', duration: card?.duration });
    expect(
      detail.embedding?.videoEmbedding?.segments?.map((segment) => [
        segment.startOffsetSec,
        segment.endOffsetSec,
        segment.embeddingOption,
      ]),
    ).toEqual(visual.map((segment) => [segment.start, segment.end, 'visual']));
    expect(detail.embedding?.videoEmbedding?.segments?.[0]?.float?.slice(0, 4)).toEqual(visual[0]?.vector?.slice(0, 4));

    await sdk.indexes.videos.update(builtId, cardId, { userMetadata: { reviewed: 'yes-sdk' } });
    expect((await sdk.indexes.videos.retrieve(builtId, cardId)).userMetadata).toMatchObject({ reviewed: 'yes-sdk' });
    expect(
      (await sdk.indexes.videos.list(builtId, { userMetadata: { reviewed: 'yes-sdk' } })).data.map((video) => video.id),
    ).toEqual([cardId]);
    const found = await sdk.search.create({
      indexId: builtId,
      queryText: 'a butterfly over the flowers',
      searchOptions: ['visual', 'audio'],
      filter: JSON.stringify({ reviewed: 'yes-sdk' }),
    });
    expect(found.data?.length).toBeGreaterThan(0);
    expect(new Set(found.data?.map((hit) => hit.videoId))).toEqual(new Set([cardId]));

    await sdk.indexes.videos.delete(builtId, cardId);
    await expect(sdk.indexes.videos.retrieve(builtId, cardId)).rejects.toMatchObject({ statusCode: 404 });
    expect((await sdk.indexes.videos.list(builtId)).data.map((video) => video.id)).not.toContain(cardId);
    const after = await sdk.search.create({
      indexId: builtId,
      queryText: 'a colour test card',
      searchOptions: ['visual', 'audio'],
      pageLimit: 50,
    });
    expect(after.data?.map((hit) => hit.videoId)).not.toContain(cardId);
  });

  it('search pages over several indexes: the token names its index', async () => {
    const first = await sdk.search.create({
      indexId: builtId,
      queryText: 'a butterfly over the flowers',
      searchOptions: ['visual', 'audio'],
      pageLimit: 1,
    });
    const token = first.pageInfo?.nextPageToken ?? '';
    expect(token.startsWith(`${builtId}.`)).toBe(true);
    const next = await sdk.search.retrieve(token);
    expect(next.pageInfo?.prevPageToken?.startsWith(`${builtId}.`)).toBe(true);
    await expect(sdk.search.retrieve('no-dot-token')).rejects.toMatchObject({
      statusCode: 400,
      body: { code: 'search_page_token_expired' },
    });
  });

  it("embed.create through the same base URL reaches the upstream with the upstream key, never serve's", async () => {
    const okBefore = built.emu.stats().requests['POST /embed']?.['200'] ?? 0;
    const embedded = await sdk.embed.create({ modelName: 'marengo3.0', text: 'a rabbit in the meadow' });
    expect(embedded.textEmbedding?.segments?.[0]?.float?.length).toBeGreaterThan(0);
    expect(built.emu.stats().requests['POST /embed']?.['200']).toBe(okBefore + 1);
    // The emulator checks x-api-key: serve's own key would be refused upstream.
    const wrongSide = await fetch(`${server.url}/embed`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: new FormData(),
    });
    expect(wrongSide.status).toBe(401);
    for (const entry of log) expect(JSON.stringify(entry)).not.toMatch(new RegExp(`${SERVE_KEY}|${API_KEY}`));
  });
});
