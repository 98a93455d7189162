import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LibraryRoot, openLibrary } from '../../src/library/index.js';
import { type RunningSearchServer, startSearchServer } from '../../src/server/index.js';
import { shared } from '../build/emulator-fixture.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { type Built, buildMediaSamples, useMediaSamplesEmulators } from '../server/serve-fixture.js';

/**
 * Faults of serve's upload tasks (issue 10 table, area `tasks`): each row damages the task
 * state of a root, makes the API call, and checks the answer and that the library lost no
 * video or segment and gained none it should not have.
 */
const BBB = shared('media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4');

interface Fixture {
  dir: string;
  built: Built;
  server: RunningSearchServer;
  warnings: string[];
  indexId: string;
  libDir: string;
}

const tempDir = useTempDirs();
const mediaEmulator = useMediaSamplesEmulators();
const open: Fixture[] = [];
afterEach(async () => {
  for (const { built, server } of open.splice(0)) {
    await fetch(`${new URL(built.emu.baseUrl).origin}/__emulator/holds/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).catch(() => undefined);
    await server.close();
    await built.lib.close();
  }
});

async function fixture(before: (libDir: string) => Promise<void>): Promise<Fixture> {
  const dir = await tempDir();
  const built = await buildMediaSamples(dir, await mediaEmulator());
  const libDir = join(dir, 'lib');
  await before(libDir);
  const warnings: string[] = [];
  const server = await startSearchServer({
    root: await LibraryRoot.open(dir, { client: built.client }),
    onWarning: (message) => warnings.push(message),
  });
  const made: Fixture = { dir, built, server, warnings, indexId: built.lib.manifest.id, libDir };
  open.push(made);
  return made;
}

async function upload(at: Fixture, name: string): Promise<string> {
  const form = new FormData();
  form.append('index_id', at.indexId);
  form.append('video_file', new Blob([await readFile(BBB)]), name);
  const answer = await fetch(`${at.server.url}/tasks`, { method: 'POST', body: form });
  expect(answer.status).toBe(200);
  return String(((await answer.json()) as { _id: string })._id);
}

async function task(at: Fixture, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const body = (await (await fetch(`${at.server.url}/tasks/${id}`)).json()) as Record<string, unknown>;
    if (body['status'] === 'ready' || body['status'] === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every stored video with its segment count. */
async function stored(at: Fixture): Promise<Record<string, number>> {
  const lib = await openLibrary(at.libDir);
  try {
    const counts: Record<string, number> = {};
    for (const video of await lib.listVideos())
      counts[video.video_id] = (await lib.getVideo(video.video_id)).segments.length;
    return counts;
  } finally {
    await lib.close();
  }
}

interface Row {
  case: string;
  damage: (libDir: string) => Promise<void>;
  /** The API calls; returns the answer checked and the video ids the library should have gained. */
  call: (at: Fixture) => Promise<{ status: number; body: Record<string, unknown>; gained: string[] }>;
  status: number;
  code: string | undefined;
  fragment: string;
  after: (at: Fixture) => Promise<void>;
}

const DAMAGED = '0-damaged.json';

const rows: Row[] = [
  {
    case: 'a task record that is not JSON (a torn write by another tool)',
    damage: async (libDir) => {
      await rm(join(libDir, 'tasks'), { recursive: true, force: true });
      await mkdir(join(libDir, 'tasks'), { recursive: true });
      await writeFile(join(libDir, 'tasks', DAMAGED), '{"id": ');
    },
    call: async (at) => {
      const answer = await fetch(`${at.server.url}/tasks`);
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown>, gained: [] };
    },
    status: 200,
    code: undefined,
    fragment: 'cannot read the upload task',
    after: async (at) => {
      expect(await readFile(join(at.libDir, 'tasks', DAMAGED), 'utf8')).toBe('{"id": ');
      expect(at.warnings.join('\n')).toContain(join(at.libDir, 'tasks', DAMAGED));
    },
  },
  {
    case: 'the upload removed before its task ran',
    damage: async () => undefined,
    call: async (at) => {
      // The first task's embedding is held, so the second is still waiting when its file goes.
      await fetch(`${new URL(at.built.emu.baseUrl).origin}/__emulator/holds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'POST', path: '/embed-v2', stage: 'request', count: 1 }),
      });
      const first = await upload(at, 'first.mp4');
      const second = await upload(at, 'second.mp4');
      const uploads = join(at.libDir, 'tasks', 'uploads');
      for (const folder of await readdir(uploads)) {
        if ((await readdir(join(uploads, folder))).includes('second.mp4'))
          await rm(join(uploads, folder), { recursive: true });
      }
      await fetch(`${new URL(at.built.emu.baseUrl).origin}/__emulator/holds/release`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const ready = await task(at, first);
      expect(ready['status']).toBe('ready');
      const failed = await task(at, second);
      return { status: 200, body: failed, gained: [String(ready['video_id'])] };
    },
    status: 200,
    code: 'parameter_invalid',
    fragment: 'ENOENT',
    after: async (at) => {
      expect(at.built.emu.stats().sync_embeds).toBe(4);
    },
  },
];

describe('fault table: serve upload tasks', () => {
  it.each(rows)(
    '$case',
    async (row) => {
      const at = await fixture(row.damage);
      const before = await stored(at);
      const { status, body, gained } = await row.call(at);
      expect(status).toBe(row.status);
      if (row.code === undefined) {
        expect(body['data']).toEqual([]);
        expect(at.warnings.join('\n')).toContain(row.fragment);
      } else {
        expect(body['status']).toBe('failed');
        expect(body['error']).toMatchObject({ code: row.code, message: expect.stringContaining(row.fragment) });
      }
      const after = await stored(at);
      // No video lost, none changed, and only the videos the row's tasks made added.
      for (const [id, count] of Object.entries(before)) expect([id, after[id]]).toEqual([id, count]);
      expect(
        Object.keys(after)
          .filter((id) => before[id] === undefined)
          .sort(),
      ).toEqual([...gained].sort());
      await row.after(at);
    },
    120_000,
  );
});
