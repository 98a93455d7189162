import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorStats, RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import { CLI } from '../helpers/cli.js';
import { emulatorControl, useEmulators } from '../helpers/emulator.js';
import { segmentSet } from '../helpers/segment-set.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';
import { API_KEY, MEDIA_SAMPLES } from './emulator-fixture.js';

/**
 * SIGKILL at the moments of a build (v2: asset, then task; v1: task with the video upload) that decide whether anything is paid twice, reached
 * through the emulator's holds (POST /__emulator/holds), never through timing:
 *
 * - "sent, not answered": the API has created the asset (or task) and its answer is held; the
 *   process dies without knowing the id. Only the entry journaled before the request is on disk.
 * - "answered, not journaled": the answer arrived and the process died before writing it down.
 *   No request is made between an answer and its journal write, so that instant cannot be caught
 *   by holding a request. What a kill there leaves is known exactly, though: the API holds the
 *   thing, the answer was sent, and the journal is as it was while the request was out. So the
 *   test copies the journal while the request is held, lets the answer go, holds the NEXT request
 *   of that item (proof that the answer was received), kills, and puts the copied journal back.
 * - "journaled": the id is on disk and the next request (the asset or task poll) is held.
 *
 * One item at a time (--concurrency 1), so "the next request" is the held item's own. Each case
 * gets a fresh emulator: its assets and tasks must not be found by another case's rerun.
 */
const tempDir = useTempDirs();
type Model = 'marengo3.0' | 'Marengo-retrieval-2.7';
let media: string;
const reference = new Map<Model, string[]>();
const TASK_MEDIA = 2;

function env(emu: RunningEmulator): NodeJS.ProcessEnv {
  return { ...process.env, TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl, VSEARCH_LIB: '' };
}

function startBuild(emu: RunningEmulator, lib: string, model: Model, json = false): ChildProcess {
  const args = [
    CLI,
    'build',
    media,
    '--lib',
    lib,
    '--model',
    model,
    '--concurrency',
    '1',
    '--clip-length',
    '2',
    ...(json ? ['--json'] : []),
  ];
  return spawn(process.execPath, args, { env: env(emu), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Async, never spawnSync: the emulator serves from this process and must keep answering. */
async function runBuild(
  emu: RunningEmulator,
  lib: string,
  model: Model,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = startBuild(emu, lib, model, true);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr };
}

interface Hold {
  id: string;
  caught: number;
}

async function hold(emu: RunningEmulator, method: string, path: string, stage: 'request' | 'answer'): Promise<string> {
  return ((await emulatorControl(emu, 'holds', { method, path, stage, count: 1 })) as Hold).id;
}

/** Until the hold has caught a request; fails if the build ends first (it never reached the moment). */
async function caught(emu: RunningEmulator, id: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the build ended (${child.exitCode ?? child.signalCode}) before hold ${id} caught a request`);
    const { holds } = (await emulatorControl(emu, 'holds')) as { holds: Hold[] };
    if ((holds.find((h) => h.id === id)?.caught ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  expect(signal).toBe('SIGKILL');
}

async function journalFiles(lib: string): Promise<Map<string, string>> {
  const dir = join(lib, 'journal');
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith('.json'))) files.set(name, await readFile(join(dir, name), 'utf8'));
  return files;
}

async function restoreJournal(lib: string, files: Map<string, string>): Promise<void> {
  const dir = join(lib, 'journal');
  for (const name of await readdir(dir)) await rm(join(dir, name), { force: true });
  for (const [name, text] of files) await writeFile(join(dir, name), text);
}

/** A fresh emulator per reference build and per case, so that its stats count that build alone. */
const freshEmulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 150, seed: 11 });

interface KillCase {
  model: Model;
  moment: string;
  /** Brings the build to the moment and kills it there. */
  killAt: (emu: RunningEmulator, child: ChildProcess, lib: string) => Promise<void>;
  /** What the rerun must have done: found (by listing) or resumed (by its journaled id). */
  expectResumed: number;
  /** Assets an uninterrupted build creates: one per task item on v2, none on v1. */
  assets: number;
}

/** Sent, answer held: the API has it, the process never learns its id. */
function sentNotAnswered(method: string, path: string): KillCase['killAt'] {
  return async (emu, child) => {
    const id = await hold(emu, method, path, 'answer');
    await caught(emu, id, child);
    await kill(child);
  };
}

/** The id is journaled; the item's next request (the poll) is held. */
function heldPoll(path: string): KillCase['killAt'] {
  return async (emu, child) => {
    const id = await hold(emu, 'GET', path, 'request');
    await caught(emu, id, child);
    await kill(child);
  };
}

/** Answered, then killed with the journal as it was while the request was out (see the top of the file). */
function answeredNotJournaled(method: string, path: string, nextPath: string): KillCase['killAt'] {
  return async (emu, child, lib) => {
    const first = await hold(emu, method, path, 'answer');
    await caught(emu, first, child);
    const before = await journalFiles(lib);
    expect(before.size, 'an entry is journaled before the request leaves').toBe(1);
    const next = await hold(emu, 'GET', nextPath, 'request');
    await emulatorControl(emu, 'holds/release', { id: first });
    await caught(emu, next, child);
    await kill(child);
    expect(await journalFiles(lib), 'the answer was journaled before the next request').not.toEqual(before);
    await restoreJournal(lib, before);
  };
}

const V2 = { model: 'marengo3.0', assets: TASK_MEDIA } as const;
const V1 = { model: 'Marengo-retrieval-2.7', assets: 0 } as const;
const CASES: KillCase[] = [
  { ...V2, moment: 'asset upload sent, not answered', killAt: sentNotAnswered('POST', '/assets'), expectResumed: 0 },
  {
    ...V2,
    moment: 'asset upload answered, not journaled',
    killAt: answeredNotJournaled('POST', '/assets', '/assets/{asset_id}'),
    expectResumed: 0,
  },
  {
    ...V2,
    moment: 'task creation sent, not answered',
    killAt: sentNotAnswered('POST', '/embed-v2/tasks'),
    expectResumed: 1,
  },
  {
    ...V2,
    moment: 'task creation answered, not journaled',
    killAt: answeredNotJournaled('POST', '/embed-v2/tasks', '/embed-v2/tasks/{task_id}'),
    expectResumed: 1,
  },
  { ...V2, moment: 'task journaled, polling', killAt: heldPoll('/embed-v2/tasks/{task_id}'), expectResumed: 1 },
  {
    ...V1,
    moment: 'task creation (video upload) sent, not answered',
    killAt: sentNotAnswered('POST', '/embed/tasks'),
    expectResumed: 1,
  },
  {
    ...V1,
    moment: 'task creation answered, not journaled',
    killAt: answeredNotJournaled('POST', '/embed/tasks', '/embed/tasks/{task_id}/status'),
    expectResumed: 1,
  },
  { ...V1, moment: 'task journaled, polling', killAt: heldPoll('/embed/tasks/{task_id}/status'), expectResumed: 1 },
];

describe('a build killed with SIGKILL at each moment that could pay twice', () => {
  // Not from tempDir(): those go after each test, and the media serve every case.
  const mediaDir = useSuiteTempDir();
  beforeAll(async () => {
    media = mediaDir();
    // Distinct videos whose length no parser can read from their bytes (an MP4 signature, then
    // no boxes), so each goes through an async task on v1 and v2 alike, and a WAV (sync); a
    // trailing byte makes each file's content, and so its content hash, unique.
    const unknownLength = Buffer.concat([
      Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomavc1', 'latin1'),
      Buffer.alloc(4096, 7),
    ]);
    for (let i = 0; i < TASK_MEDIA; i++)
      await writeFile(join(media, `card-${i}.mp4`), Buffer.concat([unknownLength, Buffer.from([i])]));
    await writeFile(join(media, 'tone.wav'), await readFile(join(MEDIA_SAMPLES, 'test-tone.wav')));
    for (const model of ['marengo3.0', 'Marengo-retrieval-2.7'] as const) {
      // This emulator stays until the first case ends (useEmulators closes after each test): idle, it changes nothing.
      const emu = await freshEmulator();
      const lib = join(media, `reference-${model}`);
      const clean = await runBuild(emu, lib, model);
      expect(clean.status, clean.stderr).toBe(0);
      expect(emu.stats()).toMatchObject({
        tasks_created: TASK_MEDIA,
        assets_created: model === 'marengo3.0' ? TASK_MEDIA : 0,
      });
      const set = await segmentSet(lib);
      await rm(lib, { recursive: true });
      expect(new Set(set).size).toBe(set.length);
      reference.set(model, set);
    }
  }, 120_000);

  it.each(CASES)(
    '$model, $moment: the rerun pays for nothing twice and stores what an uninterrupted build stores',
    async ({ model, killAt, expectResumed, assets }) => {
      const emu = await freshEmulator();
      const lib = join(await tempDir(), 'lib');
      const child = startBuild(emu, lib, model);
      await killAt(emu, child, lib);
      await emulatorControl(emu, 'holds/release', {});
      const rerun = await runBuild(emu, lib, model);
      expect(rerun.status, rerun.stderr).toBe(0);
      const { built } = JSON.parse(rerun.stdout) as { built: { tasks_resumed: number } };
      expect(built.tasks_resumed).toBe(expectResumed);
      const stats: EmulatorStats = emu.stats();
      expect({ tasks: stats.tasks_created, assets: stats.assets_created }, JSON.stringify(stats.requests)).toEqual({
        tasks: TASK_MEDIA,
        assets,
      });
      expect(await segmentSet(lib)).toEqual(reference.get(model));
      expect(await journalFiles(lib)).toEqual(new Map());
      const library = await openLibrary(lib);
      expect((await library.stats()).index.count).toBe(reference.get(model)?.length);
      await library.close();
    },
    120_000,
  );
});
