import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const pinned = manifest.dependencies['hnswlib-node'] ?? '';
const patchFile = join(PROJECT_ROOT, 'scripts', `hnswlib-node-${pinned}.patch`);
const stockDir = join(PROJECT_ROOT, 'node_modules', 'hnswlib-node');

/**
 * The install script run from a folder of its own (its ROOT is the folder above scripts/), over
 * a copy of hnswlib-node's source that `change` may alter; nothing is compiled unless every
 * check before node-gyp passes.
 */
function runInstallScript(dir: string, change: (hnswlibDir: string) => void, env: NodeJS.ProcessEnv = {}) {
  cpSync(join(PROJECT_ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'package.json'), join(dir, 'package.json'));
  const hnswlibDir = join(dir, 'node_modules', 'hnswlib-node');
  mkdirSync(hnswlibDir, { recursive: true });
  for (const part of ['package.json', 'binding.gyp', 'src', 'lib'])
    cpSync(join(stockDir, part), join(hnswlibDir, part), { recursive: true });
  change(hnswlibDir);
  const run = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native-hnswlib.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, VSEARCH_NATIVE_HNSWLIB: '', VSEARCH_NATIVE_MARCH: '', ...env },
    timeout: 120_000,
  });
  return { status: run.status, stderr: run.stderr, record: existsSync(join(dir, 'native', 'hnswlib-node.json')) };
}

describe('the native copy is compiled from the pinned hnswlib-node with a patch checked to apply', () => {
  const tempDir = useTempDirs();

  it('pins an exact hnswlib-node version, installed here, and ships a patch for it that applies cleanly', async () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect((JSON.parse(readFileSync(join(stockDir, 'package.json'), 'utf8')) as { version: string }).version).toBe(
      pinned,
    );
    const dir = await tempDir();
    cpSync(join(stockDir, 'src'), join(dir, 'src'), { recursive: true });
    const check = spawnSync('patch', ['-p1', '--dry-run', '--forward', '--batch', '--fuzz=0', '--input', patchFile], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).not.toMatch(/offset|fuzz/i);
  });

  const softRows: { case: string; change: (hnswlibDir: string) => void; env?: NodeJS.ProcessEnv; reason: RegExp }[] = [
    {
      case: 'another hnswlib-node version is installed',
      change: (hnswlibDir) => {
        const file = join(hnswlibDir, 'package.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace(`"version": "${pinned}"`, '"version": "9.9.9"'));
      },
      reason: new RegExp(`is written for hnswlib-node ${pinned.replace(/\./g, '\\.')}, and 9\\.9\\.9 is installed`),
    },
    {
      case: "hnswlib-node's addon.cc is not the one the patch was made from",
      change: (hnswlibDir) => {
        const file = join(hnswlibDir, 'src', 'addon.cc');
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace(
            '  ~LoadHierarchicalNSWIndexWorker() {}',
            '  ~LoadHierarchicalNSWIndexWorker() { cleanUp(); }',
          ),
        );
      },
      reason: /hnswlib-node-[\d.]+\.patch does not apply to this hnswlib-node source: .*FAILED/,
    },
    {
      case: 'an unknown VSEARCH_NATIVE_MARCH',
      change: () => {},
      env: { VSEARCH_NATIVE_MARCH: 'pentium4' },
      reason: /VSEARCH_NATIVE_MARCH=pentium4 is not one of native, x86-64-v2/,
    },
  ];

  it.each(softRows)(
    '$case: the install goes on with the stock build, saying why, and writes no native copy',
    async (row) => {
      const result = runInstallScript(await tempDir(), row.change, row.env);
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(/^vsearch: kept the stock hnswlib-node build: /);
      expect(result.stderr).toMatch(row.reason);
      expect(result.record).toBe(false);
    },
  );
});
