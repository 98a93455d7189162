import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import { AuthError, BadRequestError, InputError, NotFoundError } from '../../src/errors.js';
import { useEmulator } from '../helpers/emulator.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { API_KEY, clientFor, count, EMULATOR_OPTIONS, type Emulator, smallFile } from './emulator-helper.js';

let emu: Emulator;
let client: TwelveLabsClient;
const suiteEmulator = useEmulator(EMULATOR_OPTIONS);
const suiteDir = useSuiteTempDir();

beforeAll(() => {
  emu = suiteEmulator();
  client = clientFor(emu);
});
afterAll(async () => {
  await client?.close();
});

const poll = { intervalMs: 20, maxIntervalMs: 100, timeoutMs: 10_000 };

describe('v2 sync embed (POST /embed-v2)', () => {
  it('embeds text into one 512-d segment', async () => {
    const res = await client.embed({ text: 'a man walking a dog' });
    expect(res.apiVersion).toBe('v2');
    expect(res.model).toBe('marengo3.0');
    expect(res.segments).toHaveLength(1);
    expect(res.segments[0]?.vector.length).toBe(512);
    expect(count(emu.stats(), 'POST /embed-v2', '200')).toBeGreaterThanOrEqual(1);
  });
  it('is deterministic for the same text and differs for other text', async () => {
    const a = await client.embed({ text: 'red car' });
    const b = await client.embed({ text: 'red car' });
    const c = await client.embed({ text: 'blue boat' });
    expect(Array.from(a.segments[0]?.vector ?? [])).toEqual(Array.from(b.segments[0]?.vector ?? []));
    expect(Array.from(a.segments[0]?.vector ?? [])).not.toEqual(Array.from(c.segments[0]?.vector ?? []));
  });
  it('embeds marengo3.5 text too', async () => {
    const res = await client.embed({ model: 'marengo3.5', text: 'hello' });
    expect(res.model).toBe('marengo3.5');
    expect(res.segments[0]?.vector.length).toBe(512);
  });
  it('embeds a video URL into timed clip segments', async () => {
    const res = await client.embed({
      video: {
        url: 'https://example.com/clip.mp4',
        clipLengthSec: 6,
        embeddingOption: ['visual', 'audio'],
        embeddingScope: ['clip'],
      },
    });
    expect(res.segments.length).toBeGreaterThan(1);
    for (const s of res.segments) {
      expect(s.vector.length).toBe(512);
      expect(s.endSec).toBeGreaterThan(s.startSec);
      expect(['visual', 'audio']).toContain(s.embeddingOption);
    }
  });
  it('sends a small local audio file inline as base64', async () => {
    const path = await smallFile(join(suiteDir(), 'a.mp3'), 'ID3 fake audio bytes');
    const res = await client.embed({ audio: { file: path } });
    expect(res.segments.length).toBeGreaterThan(0);
  });
  it('embeds an image URL and text_image', async () => {
    const img = await client.embed({ image: { url: 'https://example.com/a.jpg' } });
    expect(img.segments).toHaveLength(1);
    const ti = await client.embed({ textImage: { text: 'a dog', image: { url: 'https://example.com/a.jpg' } } });
    expect(ti.segments).toHaveLength(1);
  });
  it('refuses two inputs at once before any request', async () => {
    const before = count(emu.stats(), 'POST /embed-v2');
    await expect(client.embed({ text: 'x', image: { url: 'https://example.com/a.jpg' } })).rejects.toBeInstanceOf(
      InputError,
    );
    expect(count(emu.stats(), 'POST /embed-v2')).toBe(before);
  });
  it('maps the emulator 400 to BadRequestError with its code', async () => {
    const err = await client.embed({ video: { url: 'not a url' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('parameter_invalid');
  });
});

describe('v2 tasks (/embed-v2/tasks)', () => {
  it('create, get, wait: ready with 512-d segments', async () => {
    const task = await client.createEmbedTask({ video: { url: 'https://example.com/long.mp4' } });
    expect(task.id).toMatch(/\w+/);
    expect(task.status).toBe('processing');
    const again = await client.getEmbedTask(task.id);
    expect(again.id).toBe(task.id);
    const segments = await client.waitForEmbedTask(task.id, { poll });
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((s) => s.vector.length === 512)).toBe(true);
    const done = await client.getEmbedTask(task.id);
    expect(done.status).toBe('ready');
  });
  it('embedTaskAndPoll reports the task id as soon as it exists', async () => {
    const created: string[] = [];
    const res = await client.embedTaskAndPoll(
      { audio: { url: 'https://example.com/song.mp3' } },
      { poll, onTaskCreated: (t) => created.push(t.id) },
    );
    expect(created).toHaveLength(1);
    expect(res.segments.length).toBeGreaterThan(0);
  });
  it('lists tasks across pages with the async iterator', async () => {
    for (let i = 0; i < 3; i++) await client.createEmbedTask({ video: { url: `https://example.com/list-${i}.mp4` } });
    const pages: number[] = [];
    for await (const page of client.listEmbedTasks({ pageLimit: 2 }).pages()) pages.push(page.items.length);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const all = await client.listEmbedTasks({ pageLimit: 2 }).toArray();
    expect(all.length).toBe(pages.reduce((a, b) => a + b, 0));
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
  });
  it('an unknown task id -> NotFoundError', async () => {
    await expect(client.getEmbedTask('6900aa11bb22cc33dd44ee00')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('v1 (Marengo-retrieval-2.7, multipart)', () => {
  it('the model picks the v1 API: text -> one 1024-d segment', async () => {
    const before = count(emu.stats(), 'POST /embed');
    const res = await client.embed({ model: 'Marengo-retrieval-2.7', text: 'a man walking a dog' });
    expect(res.apiVersion).toBe('v1');
    expect(res.segments[0]?.vector.length).toBe(1024);
    expect(count(emu.stats(), 'POST /embed')).toBe(before + 1);
  });
  it('POST /embed with text, an image file and an audio URL at once', async () => {
    const img = await smallFile(join(suiteDir(), 'i.jpg'), 'fake jpeg');
    const res = await client.embedV1({
      text: 'hi',
      image: { file: img },
      audio: { url: 'https://example.com/a.mp3', startSec: 0 },
    });
    expect(res.text?.[0]?.vector.length).toBe(1024);
    expect(res.image?.[0]?.vector.length).toBe(1024);
    expect(res.audio?.length).toBeGreaterThan(0);
  });
  it('tasks: create with a local file, status, retrieve, list', async () => {
    const video = await smallFile(join(suiteDir(), 'v.mp4'), 'not really a video, but bytes');
    const task = await client.createEmbedTaskV1({
      video: { file: video },
      clipLengthSec: 5,
      scopes: ['clip', 'video'],
    });
    const status = await client.getEmbedTaskStatusV1(task.id);
    expect(status.id).toBe(task.id);
    const segments = await client.waitForEmbedTaskV1(task.id, { poll });
    expect(segments.length).toBeGreaterThan(1);
    expect(segments.every((s) => s.vector.length === 1024)).toBe(true);
    expect(segments.some((s) => s.embeddingScope === 'video')).toBe(true);
    const full = await client.getEmbedTaskV1(task.id);
    expect(full.status).toBe('ready');
    const visualOnly = await client.getEmbedTaskV1(task.id, { embeddingOption: ['visual-text'] });
    expect(visualOnly.segments?.length).toBeGreaterThan(0);
    expect(visualOnly.segments?.every((s) => s.embeddingOption === 'visual-text')).toBe(true);
    expect(visualOnly.segments?.length).toBeLessThan(full.segments?.length ?? 0);
    const listed = await client.listEmbedTasksV1({ pageLimit: 50 }).toArray();
    expect(listed.map((t) => t.id)).toContain(task.id);
  });
  it('embedTaskAndPoll routes a 2.7 video to the v1 tasks API', async () => {
    const before = count(emu.stats(), 'POST /embed/tasks');
    const res = await client.embedTaskAndPoll(
      { model: 'Marengo-retrieval-2.7', video: { url: 'https://example.com/v.mp4', clipLengthSec: 6 } },
      { poll },
    );
    expect(res.apiVersion).toBe('v1');
    expect(res.segments.every((s) => s.vector.length === 1024)).toBe(true);
    expect(count(emu.stats(), 'POST /embed/tasks')).toBe(before + 1);
  });
});

describe('auth and the API key', () => {
  it('a wrong key -> AuthError; neither key appears in the message or the inspected error', async () => {
    const bad = clientFor(emu, { apiKey: 'tlk_WRONG-SECRET-123' });
    try {
      const err = await bad.embed({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      const text = `${String((err as Error).message)}\n${inspect(err, { depth: 5 })}\n${JSON.stringify(err)}`;
      expect(text).not.toContain('tlk_WRONG-SECRET-123');
      expect(text).not.toContain(API_KEY);
    } finally {
      await bad.close();
    }
  });
  it('a connection error does not carry the key either', async () => {
    const dead = clientFor(emu, { apiKey: 'tlk_DEAD-SECRET-456', baseUrl: 'http://127.0.0.1:1/v1.3', maxRetries: 1 });
    const err = await dead.embed({ text: 'x' }).catch((e: unknown) => e);
    await dead.close();
    expect((err as Error).name).toBe('ConnectionError');
    expect(`${String((err as Error).message)} ${inspect(err, { depth: 5 })}`).not.toContain('tlk_DEAD-SECRET-456');
  });
});
