import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulator, useEmulators } from '../helpers/emulator.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const emu = useEmulator({ apiKey: API_KEY, taskDelayMs: 100, seed: 5, scenario: testScenario() });
const freshEmulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 50, seed: 5 });

describe('vsearch build and query through the API (the emulator)', () => {
  it('embeds a folder, answers a text query once through the API and then from the cache', async () => {
    const lib = join(await tempDir(), 'lib');
    const env = { TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu().baseUrl };
    const built = await runCliAsync(['build', MEDIA_SAMPLES, '--lib', lib, '--clip-length', '2', '--json'], env);
    expect(built.status, built.stderr).toBe(0);
    const summary = JSON.parse(built.stdout) as {
      built: { videos: number; failures: unknown[]; retries: number };
      library: { videos: number };
    };
    expect(summary.built).toMatchObject({ videos: 3, failures: [], retries: 0 });
    expect(summary.library.videos).toBe(3);
    expect(built.stderr).not.toContain(API_KEY);

    emu().reset();
    const first = await runCliAsync(
      ['query', 'a butterfly over the flowers', '--lib', lib, '--limit', '1', '--json'],
      env,
    );
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ data: [{ video_id: 'bbb-3sec.mp4', start: 2, end: 3.008 }] });
    expect(emu().stats().sync_embeds).toBe(1);
    const again = await runCliAsync(
      ['query', 'a butterfly over the flowers', '--lib', lib, '--limit', '1', '--json'],
      env,
    );
    expect((JSON.parse(again.stdout) as { data: unknown }).data).toEqual(
      (JSON.parse(first.stdout) as { data: unknown }).data,
    );
    expect(emu().stats().sync_embeds).toBe(1);
    const offline = runCli([
      'query',
      'a butterfly over the flowers',
      '--lib',
      lib,
      '--offline',
      '--limit',
      '1',
      '--json',
    ]);
    expect(offline.status, offline.stderr).toBe(0);
    const uncached = runCli(['query', 'a rabbit', '--lib', lib, '--offline']);
    expect(uncached.status).toBe(2);
    expect(uncached.stderr).toMatch(
      /text query "a rabbit" is not in the query cache and --offline forbids calling the API/,
    );
  });

  it('says that embedding media needs an API key, and writes nothing', async () => {
    const dir = await tempDir();
    const result = runCli(['build', MEDIA_SAMPLES, '--lib', join(dir, 'lib')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/embedding media needs the TwelveLabs API: set TWELVELABS_API_KEY/);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
  });

  it('exits 1 and names the file when a task fails, keeping the rest', async () => {
    // The samples' lengths are read from their bytes, so they go sync; a video of unknown length goes to a task, which fails.
    const folder = await tempDir();
    for (const name of ['bbb-3sec.mp4', 'test-card-16x9.avi'])
      await copyFile(join(MEDIA_SAMPLES, name), join(folder, name));
    const unknown = join(folder, 'unknown-length.mp4');
    await writeFile(
      unknown,
      Buffer.concat([Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomavc1', 'latin1'), Buffer.alloc(4096, 7)]),
    );
    const failing = await freshEmulator({
      scenario: testScenario({ [unknown]: { duration_sec: 8, segments: [], fail: true } }),
    });
    const lib = join(await tempDir(), 'lib');
    const result = await runCliAsync(['build', folder, '--lib', lib], {
      TWELVELABS_API_KEY: API_KEY,
      TWELVELABS_BASE_URL: failing.baseUrl,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/FAILED .*unknown-length\.mp4: .*failed/);
    expect(result.stderr).toMatch(/now holds \d+ segments of 2 videos/);
  });
});
