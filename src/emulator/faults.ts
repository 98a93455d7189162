import { type Random, sfc32FromKey } from '../random/seeded-random.js';
import type { FaultPlan } from './types.js';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'drop' }
  | { kind: '429'; headers: boolean }
  | { kind: '5xx'; status: number };

const RATE_KEYS = ['rate_drop', 'rate_429', 'rate_429_no_headers', 'rate_5xx', 'task_failure_rate'] as const;

/** Checks a fault plan (from options or from POST /__emulator/faults); returns an error message or undefined. */
export function checkFaultPlan(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a fault plan must be a JSON object';
  const plan = value as Record<string, unknown>;
  for (const key of RATE_KEYS) {
    const rate = plan[key];
    if (rate !== undefined && (typeof rate !== 'number' || rate < 0 || rate > 1))
      return `${key} must be a number from 0 to 1`;
  }
  for (const key of ['seed', 'retry_after_sec', 'latency_ms'] as const) {
    const number = plan[key];
    if (number !== undefined && (typeof number !== 'number' || !Number.isFinite(number) || number < 0))
      return `${key} must be a non-negative number`;
  }
  const routes = plan['routes'];
  if (routes !== undefined && (!Array.isArray(routes) || routes.some((route) => typeof route !== 'string')))
    return 'routes must be an array of "METHOD /path" strings';
  const sum = ['rate_drop', 'rate_429', 'rate_429_no_headers', 'rate_5xx'].reduce(
    (total, key) => total + (typeof plan[key] === 'number' ? (plan[key] as number) : 0),
    0,
  );
  if (sum > 1 + 1e-9) return 'rate_drop + rate_429 + rate_429_no_headers + rate_5xx must not exceed 1';
  return undefined;
}

/**
 * Seeded fault injection: one uniform draw per eligible request picks at most one fault, so
 * each configured rate holds on its own and a given seed replays the same sequence.
 */
export class FaultInjector {
  private plan: FaultPlan = {};
  private random: Random;
  private taskRandom: Random;

  constructor(private readonly defaultSeed: number) {
    this.random = sfc32FromKey(`faults:${defaultSeed}`);
    this.taskRandom = sfc32FromKey(`task-faults:${defaultSeed}`);
  }

  set(plan: FaultPlan): void {
    this.plan = { ...plan };
    const seed = plan.seed ?? this.defaultSeed;
    this.random = sfc32FromKey(`faults:${seed}`);
    this.taskRandom = sfc32FromKey(`task-faults:${seed}`);
  }

  get current(): FaultPlan {
    return { ...this.plan };
  }

  /** Whether the plan covers a route: its listed templates (or paths), else every API route. */
  applies(routeKey: string, concreteKey: string, isApiRoute: boolean): boolean {
    const routes = this.plan.routes;
    if (routes === undefined || routes.length === 0) return isApiRoute;
    return routes.some((route) => {
      const normalized = route
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/ \/v1\.3\//, ' /');
      return normalized === routeKey || normalized === concreteKey;
    });
  }

  get latencyMs(): number {
    return this.plan.latency_ms ?? 0;
  }

  get retryAfterSec(): number {
    return this.plan.retry_after_sec ?? 1;
  }

  decide(): FaultDecision {
    const { rate_drop = 0, rate_429 = 0, rate_429_no_headers = 0, rate_5xx = 0 } = this.plan;
    if (rate_drop + rate_429 + rate_429_no_headers + rate_5xx === 0) return { kind: 'none' };
    const u = this.random();
    let edge = rate_drop;
    if (u < edge) return { kind: 'drop' };
    edge += rate_429;
    if (u < edge) return { kind: '429', headers: true };
    edge += rate_429_no_headers;
    if (u < edge) return { kind: '429', headers: false };
    edge += rate_5xx;
    if (u < edge) return { kind: '5xx', status: this.random() < 0.5 ? 500 : 503 };
    return { kind: 'none' };
  }

  /** Drawn once when a task is created. */
  taskShouldFail(): boolean {
    const rate = this.plan.task_failure_rate ?? 0;
    return rate > 0 && this.taskRandom() < rate;
  }
}
