import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY, testScenario } from '../build/emulator-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulator } from '../helpers/emulator.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SEGMENTS = join(PROJECT_ROOT, 'data', 'marengo27-aws-sample', 'segments.jsonl');
const emu = useEmulator({ apiKey: API_KEY, taskDelayMs: 50, seed: 5, scenario: testScenario() });

const manifestIndex = async (lib: string): Promise<{ M: number; efConstruction: number }> =>
  (JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as { index: { M: number; efConstruction: number } })
    .index;

describe('vsearch build', () => {
  it('exits 1 for a missing input and lists it as a failure in the summary', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'nope.mp4');
    const env = { TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu().baseUrl };
    const human = await runCliAsync(['build', missing, '--lib', join(dir, 'lib')], env);
    expect(human.status).toBe(1);
    expect(human.stderr).toContain(`FAILED ${missing}: cannot read it (ENOENT)`);
    expect(human.stderr).toMatch(/API: 0 sync embeds, 0 tasks created/);
    const json = await runCliAsync(['build', missing, '--lib', join(dir, 'lib'), '--json'], env);
    expect(json.status).toBe(1);
    expect((JSON.parse(json.stdout) as { built: { failures: unknown[]; skipped: unknown[] } }).built).toMatchObject({
      failures: [{ source: missing, reason: 'cannot read it (ENOENT)' }],
      skipped: [],
    });
  });

  it('sets M and efConstruction of a new library with --index-m and --ef-construction', async () => {
    const lib = join(await tempDir(), 'lib');
    const built = runCli([
      'build',
      '--lib',
      lib,
      '--from',
      SEGMENTS,
      '--index-m',
      '24',
      '--ef-construction',
      '150',
      '--json',
    ]);
    expect(built.status, built.stderr).toBe(0);
    expect(await manifestIndex(lib)).toMatchObject({ M: 24, efConstruction: 150 });
    expect((JSON.parse(built.stdout) as { library: { index: unknown } }).library.index).toMatchObject({
      M: 24,
      efConstruction: 150,
    });
    // The same values again are fine: the library keeps them.
    expect(runCli(['build', '--lib', lib, '--from', SEGMENTS, '--index-m', '24']).status).toBe(0);
  });

  it('refuses other values for an existing library (exit 2), naming the flags and what to do, and writes nothing', async () => {
    const lib = join(await tempDir(), 'lib');
    expect(runCli(['build', '--lib', lib, '--from', SEGMENTS]).status).toBe(0);
    const before = await readFile(join(lib, 'manifest.json'), 'utf8');
    const result = runCli(['build', '--lib', lib, '--from', SEGMENTS, '--index-m', '32', '--ef-construction', '200']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `the library at ${lib} already exists, and its index parameters are fixed when it is created: --index-m 32 (it has 16), --ef-construction 200 (it has 100)`,
    );
    expect(result.stderr).toContain(
      `vsearch build --lib NEW_DIR --index-m 32 --ef-construction 200 --from ${lib}/segments/*.arrow`,
    );
    expect(await readFile(join(lib, 'manifest.json'), 'utf8')).toBe(before);
  });

  it.each([
    [['--index-m', '1'], /--index-m must be an integer from 2 to 2048, got "1"/],
    [['--ef-construction', 'lots'], /--ef-construction must be an integer from 1 to 100000, got "lots"/],
  ])('refuses %j (exit 2) before creating anything', async (flags, message) => {
    const dir = await tempDir();
    const result = runCli(['build', '--lib', join(dir, 'lib'), '--from', SEGMENTS, ...flags]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await import('node:fs')).existsSync(join(dir, 'lib'))).toBe(false);
  });
});
