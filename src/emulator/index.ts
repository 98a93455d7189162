/**
 * An offline emulator of the TwelveLabs API (v1.3) for tests, CI and demos: embed v2 (sync and
 * tasks), embed v1 (Marengo 2.7, multipart), assets (direct, URL and multipart upload sessions
 * with presigned chunk URLs served by the emulator itself) and analyze tasks, on loopback.
 *
 * Defaults worth knowing: tasks and assets stay `processing` for `taskDelayMs` (200 ms); media
 * nothing describes lasts 30 s (the scenario's `duration_sec`, else ffprobe or the MP4/WAV header, else 30);
 * v2 clips default to 6 s; multipart chunks are 5 MiB and a new session carries the first 10
 * presigned URLs. Vectors mean only what a scenario gives them (see vectors.ts).
 * Control endpoints (no key needed): GET /__emulator/stats, GET|POST /__emulator/faults,
 * POST /__emulator/reset, GET|POST /__emulator/holds and POST /__emulator/holds/release (hold the
 * next matching API requests, before they are handled or with their answer, until released).
 */
import type { AddressInfo } from 'node:net';
import { InputError } from '../errors.js';
import { API_PREFIX } from '../http/index.js';
import { checkFaultPlan } from './faults.js';
import { createEmulatorServer } from './server.js';
import { EmulatorState } from './state.js';
import type { EmulatorOptions, EmulatorStats, FaultPlan, RunningEmulator } from './types.js';

export type { EmulatorOptions, EmulatorStats, RunningEmulator, Scenario } from './types.js';

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts an emulator of the TwelveLabs API on loopback (port 0 picks a free port). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = new EmulatorState(options);
  const server = createEmulatorServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new InputError(`cannot listen on ${state.options.host}:${state.options.port}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    server.listen(state.options.port, state.options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://${urlHost(state.options.host)}:${port}${API_PREFIX}`,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          state.dispose();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
    stats(): EmulatorStats {
      return state.stats.snapshot();
    },
    setFaults(plan: FaultPlan): void {
      const problem = checkFaultPlan(plan);
      if (problem !== undefined) throw new InputError(`emulator fault plan: ${problem}`);
      state.faults.set(plan);
    },
    reset(): void {
      state.stats.reset();
    },
  };
}
