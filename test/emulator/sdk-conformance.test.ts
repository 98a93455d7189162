import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TwelveLabs } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { EMULATOR_OPTIONS, KEY } from './helpers.js';

/**
 * The official SDK, pointed at the emulator through TWELVELABS_BASE_URL, must parse every
 * response: its serializers validate types and required fields (unknown keys pass through).
 */
let emu: RunningEmulator;
let client: TwelveLabs;
const savedBaseUrl = process.env['TWELVELABS_BASE_URL'];

const suiteEmulator = useEmulator({
  ...EMULATOR_OPTIONS,
  taskDelayMs: 30,
  scenario: { 'video.mp4': { duration_sec: 18, segments: [{ start: 0, end: 18, text: 'a dog on a skateboard' }] } },
});
const tempDir = useTempDirs();

beforeAll(() => {
  emu = suiteEmulator();
  process.env['TWELVELABS_BASE_URL'] = emu.baseUrl;
  client = new TwelveLabs({ apiKey: KEY });
});
afterAll(() => {
  if (savedBaseUrl === undefined) delete process.env['TWELVELABS_BASE_URL'];
  else process.env['TWELVELABS_BASE_URL'] = savedBaseUrl;
});

async function poll<T>(fn: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i += 1) {
    const value = await fn();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('task did not finish');
}

describe('twelvelabs-js against the emulator', () => {
  it('embed v2: create (text, video with temporal segmentation, marengo3.5)', async () => {
    const text = await client.embed.v2.create({
      inputType: 'text',
      modelName: 'marengo3.0',
      text: { inputText: 'dog on a skateboard' },
    });
    expect(text.data[0]?.embedding).toHaveLength(512);
    const video = await client.embed.v2.create({
      inputType: 'video',
      modelName: 'marengo3.5' as 'marengo3.0',
      video: {
        mediaSource: { url: 'https://example.com/video.mp4' },
        segmentation: { strategy: 'fixed', fixed: { durationSec: 6 } },
        embeddingOption: ['visual'],
        embeddingScope: ['clip'],
      },
    });
    expect(video.data.map((d) => [d.startSec, d.endSec, d.embeddingOption, d.embeddingScope])).toEqual([
      [0, 6, 'visual', 'clip'],
      [6, 12, 'visual', 'clip'],
      [12, 18, 'visual', 'clip'],
    ]);
    expect(video.metadata?.inputType).toBe('video');
  });

  it('embed v2 tasks: create, retrieve until ready, list', async () => {
    const created = await client.embed.v2.tasks.create({
      inputType: 'video',
      modelName: 'marengo3.0',
      video: {
        mediaSource: { url: 'https://example.com/video.mp4' },
        segmentation: { temporal: { strategy: 'fixed', fixed: { durationSec: 9 } } } as never,
      },
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.status).toBe('processing');
    const ready = await poll(
      () => client.embed.v2.tasks.retrieve(created.id),
      (t) => t.status !== 'processing',
    );
    expect(ready.status).toBe('ready');
    expect(
      ready.data?.filter((d) => d.embeddingScope === 'clip' && d.embeddingOption === 'visual').map((d) => d.endSec),
    ).toEqual([9, 18]);
    expect(ready.metadata?.inputType).toBe('video');
    const page = await client.embed.v2.tasks.list({ pageLimit: 5 });
    expect(page.data.map((t) => t.id)).toContain(created.id);
  });

  it('embed v1: create, task create / status / retrieve / list', async () => {
    const embedded = await client.embed.create({
      modelName: 'Marengo-retrieval-2.7',
      text: 'a dog',
      audioUrl: 'https://example.com/audio.mp3',
    });
    expect(embedded.textEmbedding?.segments?.[0]?.float).toHaveLength(1024);
    expect(embedded.audioEmbedding?.segments?.[1]?.startOffsetSec).toBe(6);

    const created = await client.embed.tasks.create({
      modelName: 'Marengo-retrieval-2.7',
      videoUrl: 'https://example.com/video.mp4',
      videoClipLength: 6,
      videoEmbeddingScope: ['clip', 'video'],
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    const status = await poll(
      () => client.embed.tasks.status(created.id ?? ''),
      (s) => s.status !== 'processing',
    );
    expect(status.status).toBe('ready');
    expect(status.videoEmbedding?.metadata?.videoClipLength).toBe(6);
    const task = await client.embed.tasks.retrieve(created.id ?? '');
    const segments = task.videoEmbedding?.segments ?? [];
    expect(segments.filter((s) => s.embeddingScope === 'video')).toHaveLength(2);
    expect(segments[0]).toMatchObject({
      startOffsetSec: 0,
      endOffsetSec: 6,
      embeddingOption: 'visual-text',
      embeddingScope: 'clip',
    });
    const page = await client.embed.tasks.list({ page: 1, pageLimit: 10 });
    expect(page.data.map((t) => t.id)).toContain(created.id);
  });

  it('analyze tasks: create, retrieve until ready, list, delete', async () => {
    const created = await client.analyzeAsync.tasks.create({
      video: { type: 'url', url: 'https://example.com/video.mp4' },
      prompt: 'What happens?',
    });
    expect(created.status).toBe('queued');
    const ready = await poll(
      () => client.analyzeAsync.tasks.retrieve(created.taskId),
      (t) => t.status === 'ready' || t.status === 'failed',
    );
    expect(ready.status).toBe('ready');
    expect(ready.result?.data).toContain('skateboard');
    expect(ready.videoSource?.systemMetadata?.duration).toBe(18);
    const list = await client.analyzeAsync.tasks.list({ pageLimit: 10 });
    expect(list.data.map((t) => t.taskId)).toContain(created.taskId);
    await client.analyzeAsync.tasks.delete(created.taskId);
    await expect(client.analyzeAsync.tasks.retrieve(created.taskId)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('assets: multipart uploadFile through presigned URLs, then retrieve', async () => {
    const dir = await tempDir();
    const file = join(dir, 'clip.mp4');
    writeFileSync(file, Buffer.alloc(11 * 1024 * 1024, 3));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const result = await client.multipartUpload.uploadFile(file, { batchSize: 2 });
      expect(result.assetId).toMatch(/^[0-9a-f]{24}$/);
      expect(result.assetUrl).not.toBe('');
      const asset = await poll(
        () => client.assets.retrieve(result.assetId),
        (a) => a.status === 'ready',
      );
      expect(asset).toMatchObject({
        id: result.assetId,
        method: 'multipart',
        filename: 'clip.mp4',
        size: 11 * 1024 * 1024,
      });
    } finally {
      log.mockRestore();
    }
  });

  it('errors: the SDK sees the status and the body', async () => {
    await expect(client.embed.v2.create({ inputType: 'text', modelName: 'marengo3.0' })).rejects.toMatchObject({
      statusCode: 400,
      body: { error: { code: 'parameter_not_provided' } },
    });
    const denied = new TwelveLabs({ apiKey: 'wrong-key' });
    await expect(denied.embed.tasks.list()).rejects.toMatchObject({
      statusCode: 401,
      body: { code: 'api_key_invalid' },
    });
  });
});
