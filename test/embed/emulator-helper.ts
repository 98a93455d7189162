import { open, writeFile } from 'node:fs/promises';
import type { TwelveLabsClient, TwelveLabsClientOptions } from '../../src/embed/index.js';
import type { startEmulator } from '../../src/emulator/index.js';
import { clientOf } from '../helpers/emulator.js';

export const API_KEY = 'tlk_TEST-KEY-never-leak-9f8e7d';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** What the emulators of the client tests start with, unless a test says otherwise. */
export const EMULATOR_OPTIONS = { apiKey: API_KEY, taskDelayMs: 50, seed: 1 };

export function clientFor(emu: { baseUrl: string }, options: TwelveLabsClientOptions = {}): TwelveLabsClient {
  return clientOf(emu, API_KEY, options);
}

/** Write `bytes` of deterministic, non-repeating-looking data without holding them in memory. */
export async function bigFile(path: string, bytes: number, seed = 1): Promise<void> {
  const block = Buffer.alloc(1024 * 1024);
  let x = seed >>> 0 || 1;
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      for (let i = 0; i < block.length; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        block.writeUInt32LE(x >>> 0, i);
      }
      const n = Math.min(block.length, bytes - written);
      await handle.write(block, 0, n);
      written += n;
    }
  } finally {
    await handle.close();
  }
}

export async function smallFile(path: string, text: string): Promise<string> {
  await writeFile(path, text);
  return path;
}

export function count(
  stats: { requests: Record<string, Record<string, number>> },
  route: string,
  status?: string,
): number {
  const byStatus = stats.requests[route] ?? {};
  return Object.entries(byStatus).reduce((sum, [s, n]) => (status === undefined || s === status ? sum + n : sum), 0);
}
