import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir.js';
import { tempInstall } from './temp-install.js';

describe('usearch, a dev dependency, absent from an install', () => {
  const tempDir = useTempDirs();

  it("the benchmarks' loader says it is not installed instead of throwing, and the vsearch entry still loads", async () => {
    const dir = await tempDir();
    tempInstall(dir, { without: ['usearch'], hnswlibAddon: true });
    const script = `
      const { loadUsearch } = await import('./dist/bench/usearch-peer.js');
      const vsearch = await import('./dist/vsearch.js');
      console.log(JSON.stringify({ load: loadUsearch(), entry: typeof vsearch.openLibrary }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const { load, entry } = JSON.parse(out) as { load: { missing?: string; version?: string }; entry: string };
    expect(load.version).toBeUndefined();
    expect(load.missing).toMatch(/^not installed \(Cannot find module 'usearch'/);
    expect(entry).toBe('function');
    expect(existsSync(join(dir, 'node_modules', 'usearch'))).toBe(false);
  });
});
