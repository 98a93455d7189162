import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import type { EmulatorOptions, RunningEmulator, Scenario } from '../../src/emulator/index.js';
import { clientOf, useEmulator, useEmulators } from '../helpers/emulator.js';
import { PROJECT_ROOT, SHARED_DATA } from '../helpers/shared-data.js';

export const API_KEY = 'tlk_build-pipeline-test';
export const MEDIA_SAMPLES = join(PROJECT_ROOT, 'data', 'media-samples');

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The demo's scenario (data/media-samples) plus descriptions of shared media, keyed by content. */
export function testScenario(
  extra: Record<
    string,
    { duration_sec: number; segments: { start: number; end: number; text: string }[]; fail?: boolean }
  > = {},
): Scenario {
  const scenario = JSON.parse(readFileSync(join(MEDIA_SAMPLES, 'scenario.json'), 'utf8')) as Scenario;
  for (const [path, entry] of Object.entries(extra)) scenario[sha256Of(path)] = entry;
  return scenario;
}

export const shared = (...parts: string[]): string => join(SHARED_DATA, ...parts);

/** What the emulators of the build tests start with, unless a test says otherwise. */
const EMULATOR_DEFAULTS = { apiKey: API_KEY, taskDelayMs: 100, seed: 7 };

export interface EmulatorWithClient {
  emu: RunningEmulator;
  client: TwelveLabsClient;
}

/** useEmulator with the build tests' defaults, and a client of it, closed before it. */
export function useEmulatorWithClient(
  options: EmulatorOptions | (() => EmulatorOptions) = {},
): () => EmulatorWithClient {
  const emulator = useEmulator(() => ({
    ...EMULATOR_DEFAULTS,
    ...(typeof options === 'function' ? options() : options),
  }));
  let client: TwelveLabsClient | undefined;
  beforeAll(() => {
    client = clientOf(emulator(), API_KEY);
  });
  afterAll(async () => {
    await client?.close();
  });
  return () => {
    if (client === undefined)
      throw new Error('useEmulatorWithClient: the client is made in beforeAll; read it from a hook or test');
    return { emu: emulator(), client };
  };
}

/** useEmulators with the build tests' defaults: a fresh emulator and a client of it per call, closed after the test. */
export function useEmulatorsWithClients(): (options?: EmulatorOptions) => Promise<EmulatorWithClient> {
  const emulator = useEmulators(EMULATOR_DEFAULTS);
  const clients: TwelveLabsClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  return async (options = {}) => {
    const emu = await emulator(options);
    const client = clientOf(emu, API_KEY);
    clients.push(client);
    return { emu, client };
  };
}
