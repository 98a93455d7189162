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
