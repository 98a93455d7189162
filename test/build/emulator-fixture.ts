import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import type { EmulatorOptions, RunningEmulator, Scenario } from '../../src/emulator/index.js';
import { clientOf, startTestEmulator } from '../helpers/emulator.js';
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

export async function emulatorWith(
  options: EmulatorOptions = {},
): Promise<{ emu: RunningEmulator; client: TwelveLabsClient }> {
  const emu = await startTestEmulator({ apiKey: API_KEY, taskDelayMs: 100, seed: 7, ...options });
  return { emu, client: clientOf(emu, API_KEY) };
}
