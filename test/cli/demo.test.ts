import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
let kept: string | undefined;
afterAll(async () => {
  if (kept !== undefined) await rm(kept, { recursive: true, force: true });
});

const RESULT_ROW = /^ {2}\d+ {2}\S|^ {7}\d\d:\d\d-/;

describe('npm run demo (scripts/demo.mjs)', () => {
  it('prints each result block before its page hint, and ends with commands that run on the library it keeps', async () => {
    // stdout and stderr on one file, as on a terminal: the order of the lines is the order they were written.
    const out = join(await tempDir(), 'demo.out');
    const fd = openSync(out, 'w');
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'demo.mjs')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, VSEARCH_LIB: '', TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '' },
    });
    const [status] = (await once(child, 'exit')) as [number | null];
    closeSync(fd);
    const text = await readFile(out, 'utf8');
    kept = /^The demo kept both libraries in (\S+);/m.exec(text)?.[1];
    expect(status, text).toBe(0);

    const lines = text.split('\n');
    const hints = lines.flatMap((line, i) => (line.startsWith('next page: ') ? [i] : []));
    expect(hints.length).toBeGreaterThan(0);
    for (const i of hints) expect(lines[i - 1], `line ${i}: ${lines[i] ?? ''}`).toMatch(RESULT_ROW);

    expect(kept).toBeDefined();
    expect(existsSync(join(kept ?? '', 'lib', 'manifest.json'))).toBe(true);
    const tries = lines
      .slice(lines.findIndex((line) => line.startsWith('== Try next')))
      .filter((line) => line.startsWith('  npx vsearch '));
    expect(tries.length).toBeGreaterThanOrEqual(2);
    expect(tries.length).toBeLessThanOrEqual(3);
    for (const line of tries) {
      const [command = '', input] = line.trim().slice('npx vsearch '.length).split(' < ');
      const args = command.split(' ');
      const result = spawnSync(process.execPath, [CLI, ...args], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        input: input === undefined ? '' : await readFile(join(PROJECT_ROOT, input)),
        env: { ...process.env, VSEARCH_LIB: '' },
        timeout: 120_000,
      });
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
      expect(result.stdout).not.toBe('');
    }
  }, 300_000);
});
