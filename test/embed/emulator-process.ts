import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { API_KEY } from './emulator-helper.js';

export interface EmulatorProcess {
  baseUrl: string;
  stats(): Promise<{ requests: Record<string, Record<string, number>> }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Start the emulator in a child process (vite-node runs the TypeScript source). */
export async function emulatorProcess(): Promise<EmulatorProcess> {
  const root = join(import.meta.dirname, '../..');
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'node_modules/vite-node/vite-node.mjs'), join(root, 'test/embed/emulator-child.ts'), API_KEY],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) =>
      reject(new Error(`emulator child exited with ${String(code)} before printing its URL`)),
    );
  });
  const origin = new URL(baseUrl).origin;
  return {
    baseUrl,
    async stats() {
      const res = await fetch(`${origin}/__emulator/stats`);
      return (await res.json()) as { requests: Record<string, Record<string, number>> };
    },
    async reset() {
      await fetch(`${origin}/__emulator/reset`, { method: 'POST' });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
