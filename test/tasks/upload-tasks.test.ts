import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import { type UploadTask, UploadTaskQueue } from '../../src/tasks/index.js';
import { API_KEY, MEDIA_SAMPLES } from '../build/emulator-fixture.js';
import { emulatorControl, useEmulators } from '../helpers/emulator.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
// Registered before the closers' hook, so each emulator closes after what a test started against it.
const emulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 150, seed: 3 });
const VIDEO = join(PROJECT_ROOT, 'test', 'fixtures', 'media', 'testsrc-6s-640x360-24fps.mov');
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function holdUntilCaught(
  emu: RunningEmulator,
  method: string,
  path: string,
  running: () => boolean,
): Promise<void> {
  const { id } = (await emulatorControl(emu, 'holds', { method, path, stage: 'request', count: 1 })) as { id: string };
  for (;;) {
    if (!running()) throw new Error(`the queue ended before hold ${path} caught a request`);
    const { holds } = (await emulatorControl(emu, 'holds')) as { holds: Array<{ id: string; caught: number }> };
    if ((holds.find((hold) => hold.id === id)?.caught ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Over dist/ (npm test builds first): the queue as a user's process runs it. */
function queueChild(emu: RunningEmulator, lib: string, file?: string): ChildProcess {
  const args = [join(PROJECT_ROOT, 'test/tasks/queue-child.mjs'), lib, ...(file === undefined ? [] : [file])];
  return spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('the upload-task queue', () => {
  it('a queue killed with SIGKILL mid-task and started again finishes it, with one embed task paid', async () => {
    const emu = await emulator();
    const lib = join(await tempDir(), 'lib');
    const child = queueChild(emu, lib, VIDEO);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const [id] = (await once(lines, 'line')) as [string];
    // The embed task exists and its id is journaled: the first poll is held, then the queue dies.
    await holdUntilCaught(
      emu,
      'GET',
      '/embed/tasks/{task_id}/status',
      () => child.exitCode === null && child.signalCode === null,
    );
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    expect((await exited)[1], stderr).toBe('SIGKILL');
    const journaled = JSON.parse(await readFile(join(lib, 'tasks', `${id}.json`), 'utf8')) as UploadTask;
    expect(journaled.status).toBe('indexing');
    expect(journaled.system_metadata).toMatchObject({
      filename: 'testsrc-6s-640x360-24fps.mov',
      width: 640,
      height: 360,
      fps: 24,
    });
    await emulatorControl(emu, 'holds/release', {});

    const again = queueChild(emu, lib);
    let out = '';
    again.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    again.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [status] = (await once(again, 'exit')) as [number | null];
    expect(status, stderr).toBe(0);
    const tasks = JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as UploadTask[];
    expect(tasks.map((task) => [task.id, task.status, task.video_id])).toEqual([
      [id, 'ready', 'testsrc-6s-640x360-24fps.mov'],
    ]);
    expect(emu.stats().tasks_created).toBe(1);
    const opened = await openLibrary(lib);
    const video = await opened.getVideo('testsrc-6s-640x360-24fps.mov');
    expect(video.metadata).toEqual({ shelf: 'a' });
    expect(Math.max(...video.segments.map((segment) => segment.end))).toBeCloseTo(6, 1);
    await opened.close();
  }, 180_000);

  it('fails a 3 s video, a file that is not a video and an audio file with the documented requirements, sending nothing', async () => {
    const emu = await emulator();
    const dir = await tempDir();
    const client = new TwelveLabsClient({ apiKey: API_KEY, baseUrl: emu.baseUrl, env: {} });
    const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
    closers.push(async () => {
      await lib.close();
      await client.close();
    });
    const queue = await UploadTaskQueue.open(lib, { model: 'Marengo-retrieval-2.7' });
    const notes = join(dir, 'notes.mp4');
    await writeFile(notes, 'a shopping list, not a video');
    const short = await queue.create({ file: join(MEDIA_SAMPLES, 'bbb-3sec.mp4') });
    const text = await queue.create({ file: notes });
    const audio = await queue.create({ file: join(MEDIA_SAMPLES, 'test-tone.wav') });
    expect(short.status).toBe('validating');
    await queue.idle();
    expect(queue.retrieve(short.id)).toMatchObject({
      status: 'failed',
      error: {
        code: 'video_duration_too_short',
        message: expect.stringMatching(
          /3\.01 s long\. Duration: for Marengo, it must be between 4 seconds and 2 hours \(7,200s\)/,
        ),
      },
    });
    expect(queue.retrieve(text.id)).toMatchObject({
      status: 'failed',
      error: { code: 'unsupported_media_type', message: expect.stringMatching(/not a video/) },
    });
    expect(queue.retrieve(audio.id)).toMatchObject({ status: 'failed', error: { code: 'unsupported_media_type' } });
    expect(emu.stats().tasks_created + emu.stats().sync_embeds).toBe(0);
    expect((await lib.stats()).videos).toBe(0);
    // The failures are journaled: a new queue over the library lists them as they were.
    const reopened = await UploadTaskQueue.open(lib);
    expect(reopened.list().map((task) => task.status)).toEqual(['failed', 'failed', 'failed']);
  }, 60_000);

  it('cancels a task not yet running, refuses to cancel the running one, and indexes it with its user metadata', async () => {
    const emu = await emulator();
    const client = new TwelveLabsClient({ apiKey: API_KEY, baseUrl: emu.baseUrl, env: {} });
    const lib = await openLibrary(join(await tempDir(), 'lib'), { create: true, client });
    closers.push(async () => {
      await lib.close();
      await client.close();
    });
    const queue = await UploadTaskQueue.open(lib, { model: 'Marengo-retrieval-2.7', clipLengthSec: 2 });
    closers.push(() => queue.close());
    const first = await queue.create({ file: VIDEO, userMetadata: { topic: 'test card' } });
    await holdUntilCaught(emu, 'POST', '/embed/tasks', () => true);
    const second = await queue.create({
      file: join(PROJECT_ROOT, 'test', 'fixtures', 'media', 'testsrc-5s-480x360-30fps.webm'),
    });
    expect(queue.retrieve(first.id).status).toBe('indexing');
    await expect(queue.cancel(first.id)).rejects.toThrow(/is indexing and cannot be cancelled now/);
    expect((await queue.cancel(second.id)).id).toBe(second.id);
    expect(() => queue.retrieve(second.id)).toThrow(/no upload task/);
    await emulatorControl(emu, 'holds/release', {});
    await queue.idle();
    expect(queue.list().map((task) => [task.id, task.status, task.video_id])).toEqual([
      [first.id, 'ready', 'testsrc-6s-640x360-24fps.mov'],
    ]);
    expect(emu.stats().tasks_created).toBe(1);
    const hits = await lib.search({ text: 'anything', filter: { topic: 'test card' }, minScore: -1 });
    expect(new Set(hits.data.map((hit) => hit.video_id))).toEqual(new Set(['testsrc-6s-640x360-24fps.mov']));
  }, 60_000);
});
