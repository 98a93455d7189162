import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalyzeSummary } from '../../src/annotations/analyze-videos.js';
import { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { CLI } from '../helpers/cli.js';
import { emulatorControl, useEmulators } from '../helpers/emulator.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/**
 * SIGKILL at the two moments of an analysis that decide whether it is paid twice, reached by
 * holding a request in the emulator (no timing): the task's creation sent and its answer held
 * (the id never arrives: the rerun must find the task by its custom_id), and the id journaled
 * with the first poll held (the rerun must resume that id). Either way one task in all.
 */
const SEGMENTS = [{ id: 'scene', description: 'a distinct scene', fields: [{ name: 'description', type: 'string' }] }];

function analyze(emu: RunningEmulator, dir: string): ChildProcess {
  const args = [
    CLI,
    'analyze',
    '--segments',
    join(dir, 'scenes.json'),
    '--lib',
    join(dir, 'lib'),
    '--poll-interval',
    '50',
    '--json',
  ];
  return spawn(process.execPath, args, {
    env: { ...process.env, TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl, VSEARCH_LIB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finished(child: ChildProcess): Promise<{ status: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr };
}

async function caught(emu: RunningEmulator, id: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`analyze ended (${child.exitCode ?? child.signalCode}) before hold ${id} caught a request`);
    const { holds } = (await emulatorControl(emu, 'holds')) as { holds: { id: string; caught: number }[] };
    if ((holds.find((h) => h.id === id)?.caught ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function journalEntries(dir: string): Promise<Record<string, unknown>[]> {
  const journal = join(dir, 'lib', 'journal', 'analyze');
  const names = (await readdir(journal).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
  return Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(journal, name), 'utf8')) as Record<string, unknown>),
  );
}

const ROWS = [
  {
    moment: 'task creation sent, answer held',
    method: 'POST',
    path: '/analyze/tasks',
    stage: 'answer',
    journaledTaskId: false,
  },
  {
    moment: 'task id journaled, first poll held',
    method: 'GET',
    path: '/analyze/tasks/{task_id}',
    stage: 'request',
    journaledTaskId: true,
  },
] as const;

const tempDir = useTempDirs();
const emulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 100, seed: 3, scenario: testScenario() });

describe('vsearch analyze killed mid-task', () => {
  it.each(ROWS)('$moment: the rerun finishes the same task, none created again', async (row) => {
    const dir = await tempDir();
    const emu = await emulator();
    const media = join(dir, 'bbb-3sec.mp4');
    await copyFile(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), media);
    await writeFile(join(dir, 'scenes.json'), JSON.stringify(SEGMENTS));
    const client = new TwelveLabsClient({ apiKey: API_KEY, baseUrl: emu.baseUrl, env: {} });
    const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
    await lib.build([media]);
    await lib.close();
    await client.close();
    const assetsBefore = emu.stats().assets_created;

    const hold = (
      (await emulatorControl(emu, 'holds', { method: row.method, path: row.path, stage: row.stage, count: 1 })) as {
        id: string;
      }
    ).id;
    const child = analyze(emu, dir);
    await caught(emu, hold, child);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');
    expect(emu.stats().analyze_tasks, 'the API has the task').toBe(1);
    const [entry] = await journalEntries(dir);
    expect(entry?.['customId']).toEqual(expect.stringMatching(/^vsearch-/));
    expect(entry?.['taskId'] !== undefined).toBe(row.journaledTaskId);
    await emulatorControl(emu, 'holds/release', {});

    const rerun = await finished(analyze(emu, dir));
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout) as AnalyzeSummary).toMatchObject({
      tasks_created: 0,
      tasks_resumed: 1,
      annotations: 2,
      failures: [],
    });
    expect(emu.stats().analyze_tasks, 'no second task').toBe(1);
    expect(emu.stats().assets_created - assetsBefore, 'the journaled asset was reused').toBe(1);
    expect(await journalEntries(dir)).toEqual([]);
    const reopened = await openLibrary(join(dir, 'lib'));
    expect((await reopened.annotations()).map((a) => [a.start, a.end])).toEqual([
      [0, 2],
      [2, 3.008],
    ]);
    await reopened.close();
  });
});
