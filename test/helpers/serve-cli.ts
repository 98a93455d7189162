import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { CLI } from './cli.js';

export interface ServeCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** The base URL serve printed as its first line. */
  url: string;
  /** Its exit code and signal, once it has exited. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** What it has written to stderr so far (its request log). */
  stderr(): string;
}

/**
 * The built `vsearch serve ARGS` in a child process, once it prints its base URL. The environment
 * names no library or API key unless `env` does; a key of `env` set to undefined is removed.
 */
export async function startServeCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeCli> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    VSEARCH_LIB: '',
    TWELVELABS_API_KEY: '',
    TWELVE_LABS_API_KEY: '',
    ...env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(stdout.slice(0, newline));
    });
    void exited.then(() => reject(new Error(`vsearch serve exited early: ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}
