import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TwelveLabs } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSearchServer } from '../../src/server/index.js';
import { MEDIA_SAMPLES, shared } from '../build/emulator-fixture.js';
import { HAVE_REFERENCE } from '../emulator/helpers.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { type SdkOnRoot, sdkOnRoot } from './sdk-root-fixture.js';
import { type Built, useMediaSamplesEmulator } from './serve-fixture.js';
import { type Exchange, strictSpecProblems } from './spec-check.js';

/**
 * `/indexes/{id}/indexed-assets` on serve --root with the emulator upstream, through the official
 * SDK: an asset uploaded upstream (through serve's forwarding) is indexed by serve through its
 * journaled task pipeline, from the asset (nothing uploaded again), listed with the spec's
 * filters, retrieved with its segments, updated, searched, deleted; bad requests get the API's
 * codes; every answer validates against the OpenAPI spec.
 */
const SERVE_KEY = 'serve-key-for-assets';
const BBB = shared('media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4');
let fixture: SdkOnRoot | undefined;
let built: Built;
let server: RunningSearchServer;
let sdk: TwelveLabs;
const paid = (): number => built.emu.stats().sync_embeds + built.emu.stats().tasks_created;

const exchanges: Exchange[] = [];

async function call(method: string, template: string, path: string, body?: unknown): Promise<Exchange> {
  const headers: Record<string, string> = { 'x-api-key': SERVE_KEY };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const exchange = { method, template, status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  exchanges.push(exchange);
  return exchange;
}

/** Polls the upstream (through serve) until the asset is ready. */
async function readyAsset(file: string): Promise<string> {
  const asset = await sdk.assets.create({ method: 'direct', file: createReadStream(file) });
  const id = asset.id ?? '';
  for (;;) {
    const status = (await sdk.assets.retrieve(id)).status;
    if (status === 'ready') return id;
    if (status === 'failed') throw new Error(`asset ${id} failed`);
    await sleep(100);
  }
}

const suiteDir = useSuiteTempDir();
const mediaEmulator = useMediaSamplesEmulator();
beforeAll(async () => {
  fixture = await sdkOnRoot(suiteDir(), mediaEmulator(), SERVE_KEY);
  ({ built, server, sdk } = fixture);
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

describe('indexed assets on vsearch serve --root', () => {
  it('indexes an upstream asset through the task pipeline: create, poll, list with filters, retrieve, update, search, delete', async () => {
    const index = await sdk.indexes.create({
      indexName: 'assets',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
    });
    const indexId = index.id ?? '';
    const assetId = await readyAsset(BBB);
    const assetsBefore = built.emu.stats().assets_created;
    const paidBefore = paid();
    const created = await sdk.indexes.indexedAssets.create(indexId, { assetId, userMetadata: { source: 'asset' } });
    expect(created.assetId).toBe(assetId);
    const id = created.id ?? '';
    const seen = new Set<string>();
    let asset = await sdk.indexes.indexedAssets.retrieve(indexId, id);
    while (asset.status !== 'ready' && asset.status !== 'failed') {
      seen.add(asset.status ?? '');
      await sleep(100);
      asset = await sdk.indexes.indexedAssets.retrieve(indexId, id);
    }
    expect(asset.status).toBe('ready');
    expect([...seen].every((status) => ['pending', 'queued', 'indexing'].includes(status))).toBe(true);
    // Embedded once, from the asset: serve uploaded nothing again.
    expect(paid() - paidBefore).toBe(1);
    expect(built.emu.stats().assets_created).toBe(assetsBefore);
    expect(asset.assetId).toBe(assetId);
    expect(asset.systemMetadata?.filename).toBe('big_buck_bunny_720p_1mb.mp4');
    expect(Math.abs((asset.systemMetadata?.duration ?? 0) - 5.312)).toBeLessThan(0.1);
    expect(asset.systemMetadata?.size).toBe((await stat(BBB)).size);
    expect(asset.userMetadata).toEqual({ source: 'asset' });

    const ids = async (filter: Parameters<typeof sdk.indexes.indexedAssets.list>[1]): Promise<string[]> =>
      (await sdk.indexes.indexedAssets.list(indexId, filter)).data.map((entry) => entry.id ?? '');
    expect(await ids({})).toEqual([id]);
    expect(await ids({ status: ['ready'], filename: 'big_buck_bunny_720p_1mb.mp4', duration: { gte: 5 } })).toEqual([
      id,
    ]);
    expect(await ids({ status: ['failed'] })).toEqual([]);
    expect(await ids({ duration: { lte: 4 } })).toEqual([]);
    expect(await ids({ userMetadata: { source: 'elsewhere' } })).toEqual([]);

    const withSegments = await sdk.indexes.indexedAssets.retrieve(indexId, id, { embeddingOption: ['visual'] });
    const segments = withSegments.embedding?.videoEmbedding?.segments ?? [];
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((segment) => segment.embeddingOption === 'visual')).toBe(true);
    expect((await sdk.indexes.videos.list(indexId)).data.map((video) => video.id)).toEqual([id]);

    await sdk.indexes.indexedAssets.update(indexId, id, { userMetadata: { reviewed: 'asset-yes' } });
    expect((await sdk.indexes.indexedAssets.retrieve(indexId, id)).userMetadata).toMatchObject({
      reviewed: 'asset-yes',
    });
    const found = await sdk.search.create({
      indexId,
      queryText: 'a rabbit in the meadow',
      searchOptions: ['visual', 'audio'],
      filter: JSON.stringify({ reviewed: 'asset-yes' }),
    });
    expect(new Set(found.data?.map((hit) => hit.videoId))).toEqual(new Set([id]));

    // The same asset a second time is the same indexed asset: nothing paid, nothing stored twice.
    const paidBeforeAgain = paid();
    const again = await sdk.indexes.indexedAssets.create(indexId, { assetId });
    expect(again.id).toBe(id);
    expect(paid()).toBe(paidBeforeAgain);
    expect(await ids({})).toEqual([id]);

    await call('GET', '/indexes/{index-id}/indexed-assets', `/indexes/${indexId}/indexed-assets?sort_option=asc`);
    await call(
      'GET',
      '/indexes/{index-id}/indexed-assets/{indexed-asset-id}',
      `/indexes/${indexId}/indexed-assets/${id}?embedding_option=visual&embedding_option=audio`,
    );
    const byAsset = await sdk.indexes.indexedAssets.listByAsset(assetId);
    expect(byAsset.data.map((entry) => [entry.id, entry.index?.id, entry.index?.name])).toEqual([
      [id, indexId, 'assets'],
    ]);
    await call('GET', '/assets/{asset_id}/indexed-assets', `/assets/${assetId}/indexed-assets`);
    await sdk.indexes.indexedAssets.delete(indexId, id);
    await expect(sdk.indexes.indexedAssets.retrieve(indexId, id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await sdk.indexes.videos.list(indexId)).data).toEqual([]);
    await sdk.indexes.delete(indexId);
  }, 180_000);

  it("refuses what cannot be indexed with the API's codes, before a task exists or anything is paid", async () => {
    const index = await sdk.indexes.create({
      indexName: 'refusals',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
    });
    const indexId = index.id ?? '';
    const short = await readyAsset(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'));
    const audio = await readyAsset(join(MEDIA_SAMPLES, 'test-tone.wav'));
    const paidBefore = paid();
    const path = `/indexes/${indexId}/indexed-assets`;
    const template = '/indexes/{index-id}/indexed-assets';
    const rows: [string, string, unknown, number, string][] = [
      ['a 3 s video', path, { asset_id: short }, 400, 'video_duration_too_short'],
      ['an audio asset', path, { asset_id: audio }, 400, 'unsupported_media_type'],
      ['an unknown asset', path, { asset_id: 'asset_does_not_exist' }, 404, 'resource_not_exist'],
      ['no asset_id', path, {}, 400, 'parameter_not_provided'],
      ['bad user_metadata', path, { asset_id: short, user_metadata: { a: [1] } }, 400, 'parameter_invalid'],
      ['an unknown index', '/indexes/lib_nope/indexed-assets', { asset_id: short }, 400, 'index_not_exists'],
    ];
    for (const [what, at, body, status, code] of rows) {
      const answer = await call('POST', template, at, body);
      expect([what, answer.status, (answer.body as { code?: string }).code]).toEqual([what, status, code]);
    }
    const list = await call('GET', template, `${path}?status=ready&status=bogus`);
    expect([list.status, (list.body as { code?: string }).code]).toEqual([400, 'parameter_invalid']);
    const unknown = await call('GET', `${template}/{indexed-asset-id}`, `${path}/no-such-asset`);
    expect(unknown.status).toBe(404);
    expect(paid()).toBe(paidBefore);
    expect((await sdk.indexes.indexedAssets.list(indexId)).data).toEqual([]);
    await sdk.indexes.delete(indexId);
  }, 120_000);

  it.skipIf(!HAVE_REFERENCE)('every indexed-asset answer validates against the 2026-07 spec', () => {
    const problems = strictSpecProblems(exchanges);
    expect(exchanges.length).toBeGreaterThan(8);
    expect(problems).toEqual([]);
  });
});
