import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { TwelveLabsClient, type TwelveLabsClientOptions } from '../../src/embed/index.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

type TestEmulatorOptions = EmulatorOptions & { apiKey: string };

/**
 * The emulator on a free loopback port; a test passes what its assertions depend on (its key,
 * the seed its vectors come from, a scenario, the task delay).
 */
function startTestEmulator(options: TestEmulatorOptions): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

/** Lets every held request go (else its handler waits on the hold forever), then closes. */
async function stopTestEmulator(emu: RunningEmulator): Promise<void> {
  await emulatorControl(emu, 'holds/release', {}).catch(() => undefined);
  await emu.close();
}

/**
 * One emulator for the enclosing describe (or file), started before the hooks registered after
 * this call and closed after theirs. `options` as a function when they are known only in an
 * earlier hook (a scenario file in the suite's temp folder).
 */
export function useEmulator(options: TestEmulatorOptions | (() => TestEmulatorOptions)): () => RunningEmulator {
  let emu: RunningEmulator | undefined;
  beforeAll(async () => {
    emu = await startTestEmulator(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    if (emu !== undefined) await stopTestEmulator(emu);
  });
  return () => {
    if (emu === undefined)
      throw new Error('useEmulator: the emulator starts in beforeAll; read it from a hook or test');
    return emu;
  };
}

/** A fresh emulator per call (`defaults`, then the call's `options`), closed after the test that started it. */
export function useEmulators(defaults: TestEmulatorOptions): (options?: EmulatorOptions) => Promise<RunningEmulator> {
  const started: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map(stopTestEmulator));
  });
  return async (options = {}) => {
    const emu = await startTestEmulator({ ...defaults, ...options });
    started.push(emu);
    return emu;
  };
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
  expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(300);
  return res.json();
}
