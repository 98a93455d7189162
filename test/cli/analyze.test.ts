import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeSummary } from '../../src/annotations/analyze-videos.js';
import { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { ModeSearchResponse } from '../../src/lexical/mode-search.js';
import { openLibrary } from '../../src/library/index.js';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { CLI } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

const SEGMENTS = [
  {
    id: 'scene',
    description: 'a distinct scene',
    fields: [
      { name: 'description', type: 'string' },
      { name: 'mood', type: 'string', enum: ['calm', 'tense'] },
    ],
  },
];

function env(emu: RunningEmulator): NodeJS.ProcessEnv {
  return { ...process.env, TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl, VSEARCH_LIB: '' };
}

function start(emu: RunningEmulator, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env: env(emu), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Async, never spawnSync: the emulator answers from this process. */
async function run(
  emu: RunningEmulator,
  args: readonly string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = start(emu, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr };
}

/** A library holding the 3 s Big Buck Bunny clip, whose scenario has two described scenes. */
async function libraryWithClip(dir: string, emu: RunningEmulator): Promise<string> {
  const media = join(dir, 'bbb-3sec.mp4');
  await copyFile(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), media);
  const client = new TwelveLabsClient({ apiKey: API_KEY, baseUrl: emu.baseUrl, env: {} });
  const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
  const built = await lib.build([media]);
  expect(built.failures).toEqual([]);
  await lib.close();
  await client.close();
  await writeFile(join(dir, 'scenes.json'), JSON.stringify(SEGMENTS));
  return join(dir, 'lib');
}

describe('vsearch analyze through the emulator', () => {
  let dir: string;
  let emu: RunningEmulator;
  let lib: string;
  let first: { status: number | null; stdout: string; stderr: string };

  /** `vsearch analyze --segments scenes.json --json` on the library. */
  const analyzeScenes = (): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    run(emu, ['analyze', '--segments', join(dir, 'scenes.json'), '--lib', lib, '--poll-interval', '50', '--json']);

  const suiteDir = useSuiteTempDir();
  const suiteEmulator = useEmulator({ apiKey: API_KEY, taskDelayMs: 100, seed: 7, scenario: testScenario() });
  beforeAll(async () => {
    dir = suiteDir();
    emu = suiteEmulator();
    lib = await libraryWithClip(dir, emu);
    first = await analyzeScenes();
  }, 120_000);

  it('stores the segments Pegasus found as annotations, one task paid', async () => {
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout) as AnalyzeSummary).toMatchObject({
      videos: 1,
      tasks_created: 1,
      tasks_resumed: 0,
      already_analyzed: 0,
      annotations: 2,
      failures: [],
    });
    expect(emu.stats().analyze_tasks).toBe(1);
    const opened = await openLibrary(lib);
    const annotations = await opened.annotations('bbb-3sec.mp4');
    await opened.close();
    expect(annotations.map((a) => [a.start, a.end, a.definition, a.source])).toEqual([
      [0, 2, 'scene', 'pegasus'],
      [2, 3.008, 'scene', 'pegasus'],
    ]);
    expect(annotations[0]?.text).toContain('a big white rabbit steps out of his burrow into a green meadow');
    expect(['calm', 'tense']).toContain(annotations[0]?.fields['mood']);
  });

  it('shows them on the hits they overlap, in JSON and as indented lines, and filters on their fields', async () => {
    const json = await run(emu, ['query', 'rabbit burrow', '--mode', 'text', '--lib', lib, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const res = JSON.parse(json.stdout) as ModeSearchResponse;
    expect(res.data[0]).toMatchObject({ rank: 1, video_id: 'bbb-3sec.mp4', start: 0, end: 2 });
    expect(res.data[0]?.annotations?.[0]?.text).toContain('rabbit');
    const human = await run(emu, ['query', 'rabbit burrow', '--mode', 'text', '--lib', lib]);
    expect(human.stdout).toMatch(/\n\s+00:00-00:02 {2}scene: a big white rabbit/);
    const mood = res.data[0]?.annotations?.[0]?.fields['mood'];
    const other = mood === 'calm' ? 'tense' : 'calm';
    const withMood = async (wanted: unknown): Promise<ModeSearchResponse> =>
      JSON.parse(
        (
          await run(emu, [
            'query',
            'rabbit',
            '--mode',
            'text',
            '--filter',
            JSON.stringify({ 'annotations.mood': wanted }),
            '--lib',
            lib,
            '--json',
          ])
        ).stdout,
      ) as ModeSearchResponse;
    const kept = await withMood(mood);
    const dropped = await withMood(other);
    expect(kept.data.length).toBe(1);
    expect(dropped.data).toEqual([]);
  });

  it('lists them in videos show', async () => {
    const shown = await run(emu, ['videos', 'show', 'bbb-3sec.mp4', '--lib', lib]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/annotations 2\n.*pegasus\/scene {2}a big white rabbit/);
  });

  it('creates no task for a second identical analyze', async () => {
    const again = await analyzeScenes();
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout) as AnalyzeSummary).toMatchObject({
      tasks_created: 0,
      already_analyzed: 1,
      annotations: 0,
    });
    expect(emu.stats().analyze_tasks).toBe(1);
  });

  it('refuses bad input with exit 2 and asks nothing', async () => {
    const both = await run(emu, ['analyze', '--prompt', 'x', '--segments', join(dir, 'scenes.json'), '--lib', lib]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('exactly one of --prompt');
    const unknown = await run(emu, ['analyze', 'nope.mp4', '--prompt', 'x', '--lib', lib]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no video "nope.mp4"');
    expect(emu.stats().analyze_tasks).toBe(1);
  });
});
