import { expect } from 'vitest';
import { TwelveLabsClient, type TwelveLabsClientOptions } from '../../src/embed/index.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

/**
 * The emulator on a free loopback port; a test passes what its assertions depend on (its key,
 * the seed its vectors come from, a scenario, the task delay).
 */
export function startTestEmulator(options: EmulatorOptions & { apiKey: string }): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

/** A client of `emu` that reads nothing from the environment and retries quickly. */
export function clientOf(
  emu: { baseUrl: string },
  apiKey: string,
  options: TwelveLabsClientOptions = {},
): TwelveLabsClient {
  return new TwelveLabsClient({
    apiKey,
    baseUrl: emu.baseUrl,
    env: {},
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    ...options,
  });
}

/** Calls the emulator's own /__emulator/`path` control endpoint (holds, scenarios): a GET, or a POST of `body`. */
export async function emulatorControl(emu: { baseUrl: string }, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(
    `${new URL(emu.baseUrl).origin}/__emulator/${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  expect(res.status, path).toBeLessThan(300);
  return res.json();
}
