import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentKey, sha256OfFile } from '../../src/build/content-key.js';
import { TwelveLabsClient } from '../../src/embed/index.js';
import { openLibrary } from '../../src/library/index.js';
import { TaskJournal } from '../../src/store/journal.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { API_KEY, MEDIA_SAMPLES, useEmulatorsWithClients } from './emulator-fixture.js';

const tempDir = useTempDirs();
const emulatorWithClient = useEmulatorsWithClients();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A loopback port with nothing listening on it: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function listeningSocket(path: string): Promise<Server> {
  const server = createNetServer();
  server.listen(path);
  await once(server, 'listening');
  closers.push(async () => {
    server.close();
    await once(server, 'close');
  });
  return server;
}

describe('the build summary counts only what happened', () => {
  it('counts no sync embed and no task when the API cannot be reached, and lists every item as a failure', async () => {
    const client = new TwelveLabsClient({
      apiKey: API_KEY,
      baseUrl: `http://127.0.0.1:${await closedPort()}/v1.3`,
      env: {},
      maxRetries: 0,
    });
    closers.push(() => client.close());
    const lib = await openLibrary(join(await tempDir(), 'lib'), { create: true, client });
    // data/media-samples: two media for the sync endpoint and one video for an async task.
    const summary = await lib.build([MEDIA_SAMPLES], { clipLengthSec: 2 });
    expect(summary).toMatchObject({ videos: 0, segments: 0, sync_embeds: 0, tasks_created: 0, tasks_resumed: 0 });
    expect(summary.failures.map((failure) => failure.reason)).toEqual([
      expect.stringMatching(/could not reach TwelveLabs/),
      expect.stringMatching(/could not reach TwelveLabs/),
      expect.stringMatching(/could not reach TwelveLabs/),
    ]);
  });

  it('counts a journaled task the API does not know as created anew, never as resumed', async () => {
    const { client } = await emulatorWithClient();
    const dir = await tempDir();
    // A video whose length its bytes do not tell goes to a task (a known short one would go sync).
    const video = join(dir, 'unknown-length.mp4');
    await writeFile(
      video,
      Buffer.concat([Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomavc1', 'latin1'), Buffer.alloc(4096, 7)]),
    );
    const warnings: string[] = [];
    const lib = await openLibrary(join(dir, 'lib'), {
      create: true,
      client,
      onWarning: (message) => warnings.push(message),
    });
    // A task id the API does not know, as if an earlier run had journaled it: polling it is a 404.
    const key = contentKey({
      sha256: await sha256OfFile(video),
      model: 'marengo3.0',
      modality: 'video',
      clipLengthSec: 2,
    });
    await new TaskJournal(lib.dir).record({
      contentKey: key,
      taskId: 'task_unknown_to_the_api',
      apiVersion: 'v2',
      model: 'marengo3.0',
      source: video,
      videoId: 'unknown-length.mp4',
      createdAt: new Date().toISOString(),
    });
    const summary = await lib.build([video], { clipLengthSec: 2 });
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({ videos: 1, tasks_resumed: 0, tasks_created: 1 });
    expect(warnings.join('\n')).toMatch(
      /names task task_unknown_to_the_api, which the API does not know \(404\); dropped it/,
    );
  });

  it('lists a missing input and one that cannot be read as failures, not as skipped, and embeds the rest', async () => {
    const { client } = await emulatorWithClient();
    const dir = await tempDir();
    // A socket passes stat() but cannot be opened: an unreadable input, even for root.
    await listeningSocket(join(dir, 'socket.mp4'));
    const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
    const summary = await lib.build([
      join(dir, 'nope.mp4'),
      join(dir, 'socket.mp4'),
      join(MEDIA_SAMPLES, 'test-tone.wav'),
    ]);
    expect(summary.videos).toBe(1);
    expect(summary.sync_embeds).toBe(1);
    expect(summary.skipped).toEqual([]);
    expect(summary.failures).toEqual([
      { source: join(dir, 'nope.mp4'), reason: 'cannot read it (ENOENT)' },
      { source: join(dir, 'socket.mp4'), reason: expect.stringMatching(/^cannot read it \(E[A-Z]+\)$/) },
    ]);
  });
});
