import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import type { UploadTask } from '../../src/tasks/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import { emulatorControl, useEmulators } from '../helpers/emulator.js';
import { type ServeCli, startServeCli } from '../helpers/serve-cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
// Registered before the closers' hook, so the emulator closes after the serve processes that use it.
const emulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 150, seed: 5 });
const VIDEO = join(PROJECT_ROOT, 'test', 'fixtures', 'media', 'testsrc-6s-640x360-24fps.mov');
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** `vsearch serve --root` over dist/ with the emulator as its upstream; resolves with its base URL. */
async function serve(root: string, emu: RunningEmulator): Promise<ServeCli> {
  const serving = await startServeCli(['--root', root, '--port', '0', '--upstream', emu.baseUrl], {
    TWELVELABS_API_KEY: API_KEY,
    TWELVELABS_BASE_URL: '',
    VSEARCH_SERVE_API_KEY: undefined,
  });
  const { child } = serving;
  closers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  });
  return serving;
}

async function json(response: Response): Promise<Record<string, unknown>> {
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

describe('vsearch serve --root: upload tasks survive SIGKILL', () => {
  it('a serve killed during an upload task and started again finishes it, with one embed task paid', async () => {
    const emu = await emulator();
    const root = await tempDir();
    const first = await serve(root, emu);
    // Marengo 2.7 embeds a video through an embed task, whose id the build journals.
    const index = await json(
      await fetch(`${first.url}/indexes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          index_name: 'crash',
          models: [{ model_name: 'marengo2.7', model_options: ['visual', 'audio'] }],
        }),
      }),
    );
    const indexId = String(index['_id']);
    const { id: hold } = (await emulatorControl(emu, 'holds', {
      method: 'GET',
      path: '/embed/tasks/{task_id}/status',
      stage: 'request',
      count: 1,
    })) as { id: string };
    const form = new FormData();
    form.append('index_id', indexId);
    form.append('video_file', new Blob([await readFile(VIDEO)]), 'testsrc-6s-640x360-24fps.mov');
    form.append('user_metadata', JSON.stringify({ shelf: 'b' }));
    const taskId = String((await json(await fetch(`${first.url}/tasks`, { method: 'POST', body: form })))['_id']);
    for (;;) {
      const { holds } = (await emulatorControl(emu, 'holds')) as { holds: Array<{ id: string; caught: number }> };
      if ((holds.find((entry) => entry.id === hold)?.caught ?? 0) > 0) break;
      expect(first.child.exitCode, first.stderr()).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await json(await fetch(`${first.url}/tasks/${taskId}`)))['status']).toBe('indexing');
    const exited = once(first.child, 'exit');
    first.child.kill('SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');
    await emulatorControl(emu, 'holds/release', {});

    const second = await serve(root, emu);
    let task: Record<string, unknown>;
    for (;;) {
      task = await json(await fetch(`${second.url}/tasks/${taskId}`));
      if (task['status'] === 'ready' || task['status'] === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(task, second.stderr()).toMatchObject({
      _id: taskId,
      index_id: indexId,
      status: 'ready',
      system_metadata: { filename: 'testsrc-6s-640x360-24fps.mov', width: 640, height: 360 },
    });
    expect(emu.stats().tasks_created).toBe(1);
    const videoId = String(task['video_id']);
    const video = await json(await fetch(`${second.url}/indexes/${indexId}/videos/${videoId}`));
    expect(video['user_metadata']).toEqual({ shelf: 'b' });
    const listed = (await json(await fetch(`${second.url}/tasks?index_id=${indexId}&status=ready`)))[
      'data'
    ] as UploadTask[];
    expect(listed).toHaveLength(1);
    const exitedAgain = once(second.child, 'exit');
    second.child.kill('SIGINT');
    expect((await exitedAgain)[0], second.stderr()).toBe(0);
    // One video, its segments to the end of the 6 s file, none twice.
    const lib = await openLibrary(join(root, 'crash'));
    const stored = await lib.getVideo(videoId);
    const keys = stored.segments.map(
      (segment) => `${segment.embedding_option}/${segment.embedding_scope}/${segment.start}/${segment.end}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(Math.max(...stored.segments.map((segment) => segment.end))).toBeCloseTo(6, 1);
    expect((await lib.listVideos()).map((entry) => entry.video_id)).toEqual([videoId]);
    await lib.close();
  }, 180_000);
});
