import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './shared-data.js';

export const CLI = join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  status: number | null;
  /** The signal that ended it (its status is then null). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `vsearch` binary (npm test builds first). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VSEARCH_LIB: '', TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '', ...env },
    timeout: 120_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}
