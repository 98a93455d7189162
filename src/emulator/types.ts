/** Public option and report shapes of the emulator (the contract the HTTP client is written against). */

export interface ScenarioSegment {
  start: number;
  end: number;
  text: string;
}

export interface ScenarioEntry {
  duration_sec: number;
  segments: ScenarioSegment[];
  /** Optional: make async tasks on this content end in `failed`. */
  fail?: boolean;
}

/** Keys are a content sha256 (hex) or a file name / URL basename. */
export type Scenario = Record<string, ScenarioEntry>;

export interface FaultPlan {
  seed?: number;
  rate_429?: number;
  rate_429_no_headers?: number;
  retry_after_sec?: number;
  rate_5xx?: number;
  latency_ms?: number;
  rate_drop?: number;
  task_failure_rate?: number;
  /** e.g. ["POST /embed-v2"]; default: all API routes under /v1.3. */
  routes?: string[];
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  taskDelayMs?: number;
  /** A scenario object, or the path of a JSON file holding one. */
  scenario?: Scenario | string;
  seed?: number;
  faults?: FaultPlan;
}

export interface EmulatorStats {
  /** "POST /embed-v2" -> {"200": 3} */
  requests: Record<string, Record<string, number>>;
  tasks_created: number;
  sync_embeds: number;
  assets_created: number;
  /** Analyze (Pegasus) tasks created; they count in tasks_created too. */
  analyze_tasks: number;
}

export interface RunningEmulator {
  /** http://127.0.0.1:PORT/v1.3 */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
  stats(): EmulatorStats;
  setFaults(plan: FaultPlan): void;
  /** Zeroes the stats (tasks, assets and the fault plan stay). */
  reset(): void;
}
