import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { LibraryRoot, openLibrary } from '../../src/library/index.js';
import { type RunningSearchServer, startSearchServer } from '../../src/server/index.js';
import { API_KEY, MEDIA_SAMPLES, shared, useEmulatorWithClient } from '../build/emulator-fixture.js';
import { HAVE_REFERENCE } from '../emulator/helpers.js';
import { emulatorControl } from '../helpers/emulator.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { type Exchange, strictSpecProblems } from './spec-check.js';

const BBB = shared('media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4');
let dir: string;
let emu: RunningEmulator;
let client: TwelveLabsClient;
let root: LibraryRoot;
let server: RunningSearchServer;
let indexId: string;
const exchanges: Exchange[] = [];

async function call(
  method: string,
  template: string,
  path: string,
  body?: FormData | object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const init: RequestInit = { method };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  const parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  exchanges.push({ method, template, status: response.status, body: parsed });
  return { status: response.status, body: parsed ?? {} };
}

async function upload(
  fields: Record<string, string>,
  file?: { path: string; name: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file !== undefined) form.append('video_file', new Blob([await readFile(file.path)]), file.name);
  return call('POST', '/tasks', '/tasks', form);
}

async function untilDone(id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const { body } = await call('GET', '/tasks/{task_id}', `/tasks/${id}`);
    if (body['status'] === 'ready' || body['status'] === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function control(path: string, body?: unknown): Promise<unknown> {
  return emulatorControl(emu, path, body);
}

async function libraryDir(): Promise<string> {
  return (await root.indexes()).find((index) => index.id === indexId)?.dir ?? '';
}

const suiteDir = useSuiteTempDir();
const suiteEmulator = useEmulatorWithClient();
beforeAll(async () => {
  dir = suiteDir();
  ({ emu, client } = suiteEmulator());
  root = await LibraryRoot.open(dir, { client });
  server = await startSearchServer({ root, upstream: { baseUrl: emu.baseUrl, apiKey: 'unused' } });
  const made = await call('POST', '/indexes', '/indexes', {
    index_name: 'tasks',
    models: [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }],
  });
  indexId = String(made.body['_id']);
}, 120_000);
afterAll(async () => {
  await control('holds/release', {}).catch(() => undefined);
  await server?.close();
});

describe('serve --root: /v1.3/tasks', () => {
  it("refuses bad uploads with the API's codes, recording no task and keeping no file", async () => {
    const notes = join(dir, 'notes.mp4');
    await writeFile(notes, 'a shopping list, not a video');
    const video = { path: BBB, name: 'bbb.mp4' };
    const rows: [string, Record<string, string>, { path: string; name: string } | undefined, number, string][] = [
      ['unknown index', { index_id: 'lib_000000000000000000000000' }, video, 400, 'index_not_exists'],
      [
        'a 3 s video',
        { index_id: indexId },
        { path: join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), name: 'bbb-3sec.mp4' },
        400,
        'video_duration_too_short',
      ],
      [
        'a file that is not a video',
        { index_id: indexId },
        { path: notes, name: 'notes.mp4' },
        400,
        'unsupported_media_type',
      ],
      [
        'an audio file',
        { index_id: indexId },
        { path: join(MEDIA_SAMPLES, 'test-tone.wav'), name: 'test-tone.wav' },
        400,
        'unsupported_media_type',
      ],
      ['no index_id', {}, video, 400, 'parameter_not_provided'],
      ['neither file nor URL', { index_id: indexId }, undefined, 400, 'parameter_invalid'],
      [
        'both file and URL',
        { index_id: indexId, video_url: 'https://example.com/a.mp4' },
        video,
        400,
        'parameter_invalid',
      ],
      ['user_metadata not JSON', { index_id: indexId, user_metadata: '{shelf' }, video, 400, 'parameter_invalid'],
      [
        'user_metadata with an object value',
        { index_id: indexId, user_metadata: '{"a":{"b":1}}' },
        video,
        400,
        'parameter_invalid',
      ],
    ];
    for (const [what, fields, file, status, code] of rows) {
      const answer = await upload(fields, file);
      expect([what, answer.status, answer.body['code']]).toEqual([what, status, code]);
    }
    const gets: [string, string, string, number, string][] = [
      ['unknown task', '/tasks/{task_id}', '/tasks/no-such-task', 400, 'parameter_invalid'],
      ['bad status filter', '/tasks', '/tasks?status=done', 400, 'parameter_invalid'],
      ['bad page_limit', '/tasks', '/tasks?page_limit=51', 400, 'parameter_invalid'],
      ['bad sort_by', '/tasks', '/tasks?sort_by=size', 400, 'parameter_invalid'],
    ];
    for (const [what, template, path, status, code] of gets) {
      const answer = await call('GET', template, path);
      expect([what, answer.status, answer.body['code']]).toEqual([what, status, code]);
    }
    expect((await call('GET', '/tasks', '/tasks')).body['data']).toEqual([]);
    expect(await readdir(join(await libraryDir(), 'tasks', 'uploads')).catch(() => [])).toEqual([]);
    expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBe(0);
  });

  it('refuses an upload over the limit from its announced size, before reading it', async () => {
    // Its own root: one upload-task queue per library.
    const otherRoot = join(dir, 'other-root');
    await mkdir(otherRoot);
    const small = await startSearchServer({
      root: await LibraryRoot.open(otherRoot, { client }),
      maxUploadBytes: 1000,
    });
    try {
      const url = new URL(`${small.url}/tasks`);
      // 50 MB announced, a few bytes sent: the answer comes without the rest being read.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(50 * 1024 * 1024) },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body });
              req.destroy();
            });
          },
        );
        req.on('error', reject);
        req.write('--x\r\n');
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'video_filesize_too_large' });
      // A body that lies about its size is cut at the limit too.
      const form = new FormData();
      form.append('index_id', 'any');
      form.append('video_file', new Blob([await readFile(BBB)]), 'bbb.mp4');
      const streamed = await fetch(`${small.url}/tasks`, { method: 'POST', body: form });
      expect(streamed.status).toBe(413);
    } finally {
      await small.close();
    }
    expect((await call('GET', '/tasks', '/tasks')).body['data']).toEqual([]);
  });

  it('runs an upload to ready, cancels a task not yet running, and every answer validates against the 2026-07 spec', async () => {
    // The first task's embedding is held upstream, so the second waits its turn and can be cancelled.
    await control('holds', { method: 'POST', path: '/embed-v2', stage: 'request', count: 1 });
    const first = await upload(
      { index_id: indexId, user_metadata: JSON.stringify({ shelf: 'a' }) },
      { path: BBB, name: 'big_buck_bunny_720p_1mb.mp4' },
    );
    expect(first.status).toBe(200);
    const second = await upload({ index_id: indexId }, { path: BBB, name: 'second.mp4' });
    expect(second.status).toBe(200);
    const secondId = String(second.body['_id']);
    expect(['validating', 'pending']).toContain(
      (await call('GET', '/tasks/{task_id}', `/tasks/${secondId}`)).body['status'],
    );
    expect((await call('DELETE', '/tasks/{task_id}', `/tasks/${secondId}`)).status).toBe(200);
    expect((await call('GET', '/tasks/{task_id}', `/tasks/${secondId}`)).status).toBe(400);
    await control('holds/release', {});

    const done = await untilDone(String(first.body['_id']));
    expect(done).toMatchObject({
      status: 'ready',
      index_id: indexId,
      system_metadata: { filename: 'big_buck_bunny_720p_1mb.mp4', width: 1280, height: 720 },
    });
    expect(Math.abs(Number((done['system_metadata'] as { duration: number }).duration) - 5.312)).toBeLessThan(0.1);
    expect(emu.stats().sync_embeds).toBe(1);
    const videos = await call('GET', '/indexes/{index-id}/videos', `/indexes/${indexId}/videos`);
    expect((videos.body['data'] as { _id: string }[]).map((video) => video._id)).toEqual([done['video_id']]);
    const listed = await call(
      'GET',
      '/tasks',
      `/tasks?index_id=${indexId}&status=ready&filename=big_buck_bunny_720p_1mb.mp4&duration[gte]=5&sort_option=asc`,
    );
    expect((listed.body['data'] as { _id: string }[]).map((task) => task._id)).toEqual([first.body['_id']]);
    expect((await call('GET', '/tasks', '/tasks?status=failed')).body['data']).toEqual([]);
    expect(await readdir(join(await libraryDir(), 'tasks', 'uploads'))).toEqual([]);
    await call('GET', '/tasks', '/tasks?page=2&page_limit=1');

    if (!HAVE_REFERENCE) return;
    const problems = strictSpecProblems(exchanges, ['user_metadata']);
    expect(exchanges.filter((exchange) => exchange.template.startsWith('/tasks')).length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  }, 120_000);

  it('with one library (--lib) serve runs no tasks: /tasks goes upstream, or is refused saying why without one', async () => {
    const lib = await openLibrary(join(dir, 'single'), { create: true, client });
    try {
      const forwarding = await startSearchServer({ library: lib, upstream: { baseUrl: emu.baseUrl, apiKey: API_KEY } });
      const unmatched = (): number => emu.stats().requests['GET <unmatched>']?.['404'] ?? 0;
      const before = unmatched();
      // The emulator has no /tasks: its own 404 comes back through serve.
      const forwarded = await fetch(`${forwarding.url}/tasks?page=1`);
      await forwarding.close();
      expect(forwarded.status).toBe(404);
      expect(unmatched()).toBe(before + 1);
      const alone = await startSearchServer({ library: lib });
      const refused = await fetch(`${alone.url}/tasks`);
      const body = (await refused.json()) as { code: string; message: string };
      await alone.close();
      expect([refused.status, body.code]).toEqual([400, 'parameter_invalid']);
      expect(body.message).toContain('vsearch serve --root');
    } finally {
      await lib.close();
    }
  });
});
