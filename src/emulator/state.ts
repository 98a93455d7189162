import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { checkFaultPlan, FaultInjector } from './faults.js';
import { HoldRegistry } from './holds.js';
import { IdGenerator } from './ids.js';
import type { AnalyzeTask } from './routes-analyze.js';
import type { Asset, UploadSession } from './routes-assets.js';
import type { EmbedV1Task } from './routes-embed-v1.js';
import type { EmbedV2Task } from './routes-embed-v2.js';
import { loadScenario } from './scenario.js';
import { StatsRecorder } from './stats.js';
import type { EmulatorOptions, Scenario } from './types.js';
import { VectorSpace } from './vectors.js';

const DEFAULT_TASK_DELAY_MS = 200;
const DEFAULT_SEED = 42;

export type TaskStatus = 'processing' | 'ready' | 'failed';

/** Timing shared by tasks and assets: status is derived from the clock, so no timers linger. */
export interface Timed {
  createdAt: number;
  readyAt: number;
  fail: boolean;
}

export function statusOf(item: Timed, now = Date.now()): TaskStatus {
  if (now < item.readyAt) return 'processing';
  return item.fail ? 'failed' : 'ready';
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface NormalizedOptions {
  port: number;
  host: string;
  apiKey: string | undefined;
  taskDelayMs: number;
  seed: number;
}

function normalizeOptions(options: EmulatorOptions): NormalizedOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`emulator port must be an integer from 0 to 65535, got ${String(port)}`);
  const taskDelayMs = options.taskDelayMs ?? DEFAULT_TASK_DELAY_MS;
  if (!Number.isFinite(taskDelayMs) || taskDelayMs < 0)
    throw new InputError(
      `emulator task delay must be a non-negative number of milliseconds, got ${String(taskDelayMs)}`,
    );
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new InputError(`emulator seed must be an integer, got ${String(seed)}`);
  if (options.apiKey !== undefined && options.apiKey.length === 0)
    throw new InputError('emulator api key must not be empty; omit it to accept any key');
  return { port, host: options.host ?? '127.0.0.1', apiKey: options.apiKey, taskDelayMs, seed };
}

/** Everything one running emulator remembers. */
export class EmulatorState {
  readonly options: NormalizedOptions;
  readonly scenario: Scenario;
  readonly stats = new StatsRecorder();
  readonly holds = new HoldRegistry();
  readonly faults: FaultInjector;
  readonly ids: IdGenerator;
  readonly embedV1Tasks = new Map<string, EmbedV1Task>();
  readonly embedV2Tasks = new Map<string, EmbedV2Task>();
  readonly analyzeTasks = new Map<string, AnalyzeTask>();
  readonly assets = new Map<string, Asset>();
  readonly uploads = new Map<string, UploadSession>();
  private readonly spaces = new Map<string, VectorSpace>();
  private scratch: string | undefined;

  constructor(options: EmulatorOptions) {
    this.options = normalizeOptions(options);
    this.scenario = loadScenario(options.scenario);
    this.faults = new FaultInjector(this.options.seed);
    this.ids = new IdGenerator(this.options.seed);
    if (options.faults !== undefined) {
      const problem = checkFaultPlan(options.faults);
      if (problem !== undefined) throw new InputError(`emulator fault plan: ${problem}`);
      this.faults.set(options.faults);
    }
  }

  space(model: string, dimension: number): VectorSpace {
    let space = this.spaces.get(model);
    if (space === undefined) {
      space = new VectorSpace(this.options.seed, model, dimension);
      this.spaces.set(model, space);
    }
    return space;
  }

  /** A new task's (or asset's) timing; whether it fails is drawn from the fault plan and/or forced by the scenario. */
  timing(forceFail = false, drawFault = true): Timed {
    const createdAt = Date.now();
    const fail = (drawFault && this.faults.taskShouldFail()) || forceFail;
    return { createdAt, readyAt: createdAt + this.options.taskDelayMs, fail };
  }

  /** A private temp directory for multipart chunks, made on first use. */
  scratchDir(): string {
    this.scratch ??= mkdtempSync(join(tmpdir(), 'vsearch-emulator-'));
    return this.scratch;
  }

  dispose(): void {
    if (this.scratch !== undefined) rmSync(this.scratch, { recursive: true, force: true });
    this.scratch = undefined;
  }
}
