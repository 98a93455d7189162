import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { CLI, type CliResult } from './cli.js';

export interface StartedCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Its exit code and signal, once it has exited. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** What it has written to stdout so far. */
  stdout(): string;
  /** What it has written to stderr so far. */
  stderr(): string;
}

/**
 * The built binary in a child process, left running. The environment names no library or API key
 * unless `env` does; a key of `env` set to undefined is removed.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): StartedCli {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    VSEARCH_LIB: '',
    TWELVELABS_API_KEY: '',
    TWELVE_LABS_API_KEY: '',
    ...env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  const child = spawn(process.execPath, [CLI, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the built binary without blocking this process, which may be serving an emulator the binary calls. */
export async function runCliAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const started = startCli(args, env);
  const [status, signal] = await started.exited;
  return { status, signal, stdout: started.stdout(), stderr: started.stderr() };
}
