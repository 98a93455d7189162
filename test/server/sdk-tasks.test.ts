import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TwelveLabs } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryRoot } from '../../src/library/index.js';
import { shared } from '../build/emulator-fixture.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { type SdkOnRoot, sdkOnRoot } from './sdk-root-fixture.js';
import { type Built, useMediaSamplesEmulator } from './serve-fixture.js';

/**
 * The official SDK as an app uses it against `vsearch serve --root` with the emulator upstream:
 * an index made, a real video uploaded as a task and waited for, its videos listed, retrieved,
 * updated, searched with a filter, deleted, the index deleted; embed.create on the same base URL.
 */
const SERVE_KEY = 'serve-key-for-tasks';
const BBB = shared('media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4');
let fixture: SdkOnRoot | undefined;
let dir: string;
let built: Built;
let sdk: TwelveLabs;
/** Embeddings the emulator was asked for: synchronous ones and embed tasks. */
const paid = (at: Built): number => at.emu.stats().sync_embeds + at.emu.stats().tasks_created;

const suiteDir = useSuiteTempDir();
const mediaEmulator = useMediaSamplesEmulator();
beforeAll(async () => {
  fixture = await sdkOnRoot(suiteDir(), mediaEmulator(), SERVE_KEY);
  ({ dir, built, sdk } = fixture);
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

describe('twelvelabs-js upload tasks against vsearch serve --root', () => {
  it('indexes.create -> tasks.create -> waitForDone -> videos list, retrieve, update, filtered search, delete -> indexes.delete', async () => {
    const index = await sdk.indexes.create({
      indexName: 'uploads',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
    });
    const indexId = index.id ?? '';
    const paidBefore = paid(built);
    const created = await sdk.tasks.create({
      indexId,
      videoFile: createReadStream(BBB),
      userMetadata: JSON.stringify({ source: 'sdk' }),
    });
    const taskId = created.id ?? '';
    expect(taskId).not.toBe('');
    const seen: string[] = [];
    const done = await sdk.tasks.waitForDone(taskId, {
      sleepInterval: 0.2,
      callback: (task) => void seen.push(task.status ?? ''),
    });
    expect(done.status).toBe('ready');
    expect(done.indexId).toBe(indexId);
    expect(done.systemMetadata?.filename).toBe('big_buck_bunny_720p_1mb.mp4');
    expect(seen.at(-1)).toBe('ready');
    expect(paid(built) - paidBefore).toBe(1);
    const videoId = done.videoId ?? '';
    expect(videoId).not.toBe('');
    expect((await sdk.tasks.list({ indexId })).data.map((task) => task.id)).toEqual([taskId]);

    const listed = await sdk.indexes.videos.list(indexId);
    expect(listed.data.map((video) => video.id)).toEqual([videoId]);
    const video = await sdk.indexes.videos.retrieve(indexId, videoId);
    expect(video.systemMetadata?.filename).toBe('big_buck_bunny_720p_1mb.mp4');
    expect(Math.abs((video.systemMetadata?.duration ?? 0) - 5.312)).toBeLessThan(0.1);
    expect(video.userMetadata).toMatchObject({ source: 'sdk' });
    // The file's facts as mediainfo reads big_buck_bunny_720p_1mb.mp4: 1280x720 at 25 fps.
    expect(video.systemMetadata).toMatchObject({ fps: 25, width: 1280, height: 720 });
    expect(listed.data[0]?.systemMetadata?.size).toBe((await stat(BBB)).size);
    const listedIds = async (filter: Parameters<typeof sdk.indexes.videos.list>[1]): Promise<string[]> =>
      (await sdk.indexes.videos.list(indexId, filter)).data.map((entry) => entry.id ?? '');
    expect(await listedIds({ width: { gte: 1280 }, height: { lte: 720 }, fps: { gte: 25, lte: 25 } })).toEqual([
      videoId,
    ]);
    expect(await listedIds({ size: { gte: (await stat(BBB)).size + 1 } })).toEqual([]);
    expect(await listedIds({ fps: { gte: 30 } })).toEqual([]);

    await sdk.indexes.videos.update(indexId, videoId, { userMetadata: { reviewed: 'yes-task' } });
    const updated = await sdk.indexes.videos.retrieve(indexId, videoId);
    expect(updated.createdAt).toBe(video.createdAt);
    expect(Date.parse(updated.updatedAt ?? '')).toBeGreaterThan(Date.parse(video.updatedAt ?? ''));
    expect(await listedIds({ updatedAt: updated.updatedAt ?? '' })).toEqual([videoId]);
    const found = await sdk.search.create({
      indexId,
      queryText: 'a rabbit in the meadow',
      searchOptions: ['visual', 'audio'],
      filter: JSON.stringify({ reviewed: 'yes-task' }),
    });
    expect(new Set(found.data?.map((hit) => hit.videoId))).toEqual(new Set([videoId]));
    const none = await sdk.search.create({
      indexId,
      queryText: 'a rabbit in the meadow',
      searchOptions: ['visual', 'audio'],
      filter: JSON.stringify({ reviewed: 'no' }),
    });
    expect(none.data ?? []).toEqual([]);

    await sdk.indexes.videos.delete(indexId, videoId);
    await expect(sdk.indexes.videos.retrieve(indexId, videoId)).rejects.toMatchObject({ statusCode: 404 });
    expect((await sdk.indexes.videos.list(indexId)).data).toEqual([]);
    const libDir = (await (await LibraryRoot.open(dir)).indexes()).find((entry) => entry.id === indexId)?.dir ?? '';
    // The upload is removed once its task has ended.
    expect(await readdir(join(libDir, 'tasks', 'uploads')).catch(() => [])).toEqual([]);
    await sdk.indexes.delete(indexId);
    await expect(sdk.indexes.retrieve(indexId)).rejects.toMatchObject({
      statusCode: 400,
      body: { code: 'index_not_exists' },
    });

    const embedded = await sdk.embed.create({ modelName: 'marengo3.0', text: 'a rabbit in the meadow' });
    expect(embedded.textEmbedding?.segments?.[0]?.float?.length).toBeGreaterThan(0);
  }, 180_000);
});
