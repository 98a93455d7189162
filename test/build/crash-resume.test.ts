import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import { CLI } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { API_KEY, MEDIA_SAMPLES } from './emulator-fixture.js';

const tempDir = useTempDirs();
let emu: RunningEmulator;
let media: string;
const TASK_MEDIA = 6;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, apiKey: API_KEY, taskDelayMs: 400, seed: 11, faults: { latency_ms: 20 } });
});
afterAll(async () => {
  await emu.close();
});

function env(): NodeJS.ProcessEnv {
  return { ...process.env, TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl, VSEARCH_LIB: '' };
}

/** Async, never spawnSync: the emulator serves from this process and must keep answering. */
async function runBuild(lib: string): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, buildArgs(lib), { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stderr };
}

function buildArgs(lib: string): string[] {
  return [CLI, 'build', media, '--lib', lib, '--concurrency', '2', '--clip-length', '2'];
}

/** Every stored segment as "video@start-end/option/scope#vector-digest", sorted: duplicates and losses both show. */
async function segmentSet(lib: string): Promise<string[]> {
  const library = await openLibrary(lib);
  const rows: string[] = [];
  const { SegmentStore } = await import('../../src/store/index.js');
  const store = await SegmentStore.open(lib);
  for (const file of await store.allFiles()) {
    for (let row = 0; row < file.count; row++) {
      const vector = file.vector(row);
      let digest = 0;
      for (let i = 0; i < vector.length; i++) digest = (digest * 31 + Math.round((vector[i] as number) * 1e6)) | 0;
      rows.push(`${file.string('video_id', row)}@${file.startSec[row]}-${file.endSec[row]}/${file.string('embedding_option', row)}/${file.string('embedding_scope', row)}#${digest}`);
    }
  }
  await library.close();
  return rows.sort();
}

describe('a build killed with SIGKILL at any moment', () => {
  beforeAll(async () => {
    media = join(await tempDir(), 'media');
    await mkdir(media);
    // Six distinct AVIs (their duration is unknown without ffprobe, so each goes through an async task)
    // and two WAVs (sync); a trailing byte makes each file's content, and so its content hash, unique.
    const avi = await readFile(join(MEDIA_SAMPLES, 'test-card-16x9.avi'));
    for (let i = 0; i < TASK_MEDIA; i++) await writeFile(join(media, `card-${i}.avi`), Buffer.concat([avi, Buffer.from([i])]));
    await copyFile(join(MEDIA_SAMPLES, 'test-tone.wav'), join(media, 'tone-a.wav'));
    await writeFile(join(media, 'tone-b.wav'), Buffer.concat([await readFile(join(MEDIA_SAMPLES, 'test-tone.wav')), Buffer.from([1])]));
  });

  it('resumes on rerun: same segments as an uninterrupted build, no task paid twice', async () => {
    const referenceLib = join(await tempDir(), 'reference');
    emu.reset();
    const started = Date.now();
    const clean = await runBuild(referenceLib);
    const fullMs = Date.now() - started;
    expect(clean.status, clean.stderr).toBe(0);
    expect(emu.stats().tasks_created).toBe(TASK_MEDIA);
    const reference = await segmentSet(referenceLib);
    expect(new Set(reference).size).toBe(reference.length);

    const phases: string[] = [];
    for (let i = 0; i < 10; i++) {
      const lib = join(await tempDir(), 'lib');
      emu.reset();
      const killAfterMs = Math.round(fullMs * (0.08 + 0.09 * i));
      const child = spawn(process.execPath, buildArgs(lib), { env: env(), stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      const journaled = await readdir(join(lib, 'journal')).then((names) => names.filter((n) => n.endsWith('.json')).length, () => 0);
      const committed = await readFile(join(lib, 'manifest.json'), 'utf8').then((text) => (JSON.parse(text) as { counts: { videos: number } }).counts.videos, () => 0);
      phases.push(`kill at ${killAfterMs} ms (${signal ?? `exit ${code}`}): ${committed} videos committed, ${journaled} tasks journaled, ${emu.stats().tasks_created} tasks created`);

      const rerun = await runBuild(lib);
      expect(rerun.status, `${phases.at(-1)}\n${rerun.stderr}`).toBe(0);
      expect(await segmentSet(lib), phases.at(-1)).toEqual(reference);
      expect(emu.stats().tasks_created, phases.at(-1)).toBe(TASK_MEDIA);
      const library = await openLibrary(lib);
      expect((await library.stats()).index.count).toBe(reference.length);
      await library.close();
    }
    console.log(`uninterrupted build: ${fullMs} ms\n${phases.join('\n')}`);
  }, 240_000);
});
