import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { clipSegments, writeJsonl } from '../helpers/segments.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { type TempInstall, tempInstall } from './temp-install.js';

function run(
  cli: string,
  args: readonly string[],
): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VSEARCH_LIB: '' },
    timeout: 120_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

const NATIVE_RECORD = join(PROJECT_ROOT, 'native', 'hnswlib-node.json');

interface Row {
  case: string;
  /** Damages the copied install; returns false when the case cannot be set up on this machine. */
  damage: (install: TempInstall) => boolean;
  /** What the one message says about the cause. */
  cause: RegExp;
}

const rows: Row[] = [
  {
    case: 'no compiled addon (installed with --ignore-scripts)',
    damage: () => true,
    cause: /Could not locate the bindings file\)/,
  },
  {
    case: 'a garbage addon.node',
    damage: ({ addonDir }) => {
      mkdirSync(addonDir, { recursive: true });
      writeFileSync(join(addonDir, 'addon.node'), 'this is not a shared object\n');
      return true;
    },
    cause: /addon\.node: (invalid ELF header|file too short)/,
  },
  {
    case: 'a garbage native copy whose record says it may run, and no stock addon',
    damage: ({ nativeDir }) => {
      if (!existsSync(NATIVE_RECORD)) return false;
      mkdirSync(nativeDir, { recursive: true });
      cpSync(NATIVE_RECORD, join(nativeDir, 'hnswlib-node.json'));
      writeFileSync(join(nativeDir, 'hnswlib-node.node'), 'garbage');
      return true;
    },
    cause: /the native copy did not load \(.*hnswlib-node\.node: (invalid ELF header|file too short)\)/,
  },
];

describe('a missing or unloadable hnswlib-node addon', () => {
  const tempDir = useTempDirs();

  it.each(rows)(
    '$case: one message saying how to fix it, exit 1, no stack trace, the library untouched',
    async (row) => {
      const dir = await tempDir();
      const install = tempInstall(join(dir, 'install'), { hnswlibAddon: false });
      if (!row.damage(install)) return;
      // 2,100 segments: over the default exactBelow (2,000), so the library has an HNSW graph to load.
      const segments = Array.from({ length: 30 }, (_, v) => clipSegments(`video-${v}`, 70, 16, v + 1)).flat();
      const input = await writeJsonl(dir, 'segments.jsonl', segments);
      const lib = join(dir, 'lib');
      expect(runCli(['build', '--lib', lib, '--model', 'test16', '--from', input]).status).toBe(0);
      const query = join(dir, 'query.json');
      writeFileSync(query, JSON.stringify(segments[7]?.embedding));
      const before = runCli(['query', '--lib', lib, '--vector', query, '--json']);
      expect(before.status).toBe(0);
      expect(existsSync(CLI)).toBe(true);

      for (const args of [
        ['stats', '--lib', lib],
        ['query', '--lib', lib, '--vector', query],
      ]) {
        const result = run(install.cli, args);
        expect(result.signal, `${args[0]} died of a signal`).toBeNull();
        expect(result.status, result.stderr).toBe(1);
        expect(result.stdout).toBe('');
        const lines = result.stderr.trim().split('\n');
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^vsearch: hnswlib-node's compiled addon did not load \(/);
        expect(lines[0]).toMatch(row.cause);
        expect(lines[0]).toContain('`npm rebuild hnswlib-node`');
        expect(lines[0]).toContain('python3, make and g++');
        expect(result.stderr).not.toMatch(/^\s+at /m);
      }
      // The failed runs wrote nothing: the working install answers exactly as before.
      const after = runCli(['query', '--lib', lib, '--vector', query, '--json']);
      expect(after.status).toBe(0);
      const answer = (stdout: string): unknown => {
        const body = JSON.parse(stdout) as { data: unknown; search_pool: unknown };
        return { data: body.data, pool: body.search_pool };
      };
      expect(answer(after.stdout)).toEqual(answer(before.stdout));
    },
  );
});
