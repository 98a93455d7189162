/**
 * Pure retry policy: which answers are worth another try, and how long to wait first.
 * Nothing here does I/O; the clock and the random source are passed in.
 */

export type HeaderGetter = (name: string) => string | undefined;

/** 408, 409, 429 and every 5xx are retried; no other 4xx ever is. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Retry-After as milliseconds from `nowMs`: delta-seconds ("3", "1.5") or an HTTP date.
 * Undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  // An HTTP date always names a weekday or month; this keeps Date.parse from reading "-3" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * X-Ratelimit-Reset (epoch seconds at which the window reopens) as milliseconds from `nowMs`.
 * A small number cannot be an epoch (before 2001): it is read as delta-seconds.
 */
export function parseRateLimitReset(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const seconds = Number(trimmed);
  if (seconds < 1_000_000_000) return Math.ceil(seconds * 1000);
  return Math.max(0, Math.ceil(seconds * 1000 - nowMs));
}

/** Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

export interface RetryDelayInput {
  /** 1 for the first retry. */
  attempt: number;
  headers?: HeaderGetter | undefined;
  nowMs: number;
  random: () => number;
  baseMs: number;
  capMs: number;
}

export interface RetryDelay {
  delayMs: number;
  /** Where the delay came from. */
  source: 'retry-after' | 'ratelimit-reset' | 'backoff';
}

/**
 * How long to wait before the next attempt. The server's word wins: Retry-After, then
 * X-Ratelimit-Reset; only without either do we back off with jitter. A server hint is never
 * shortened by the cap (that would only earn another 429); the caller decides whether it is too long.
 */
export function retryDelay(input: RetryDelayInput): RetryDelay {
  const retryAfter = parseRetryAfter(input.headers?.('retry-after'), input.nowMs);
  if (retryAfter !== undefined) return { delayMs: retryAfter, source: 'retry-after' };
  const reset = parseRateLimitReset(input.headers?.('x-ratelimit-reset'), input.nowMs);
  if (reset !== undefined) return { delayMs: reset, source: 'ratelimit-reset' };
  return { delayMs: backoffDelay(input.attempt, input.baseMs, input.capMs, input.random), source: 'backoff' };
}

const RETRYABLE_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Network failures before a complete answer (refused, reset, dropped, timed out) are retried. */
export function isRetryableNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_ERROR_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}
