import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI, type CliResult } from './cli.js';

/** Runs the built binary without blocking this process, which may be serving an emulator the binary calls. */
export async function runCliAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, VSEARCH_LIB: '', TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr };
}
