import { InputError } from '../errors.js';

export const DEFAULT_BASE_URL = 'https://api.twelvelabs.io/v1.3';

/** What happened before a retry; handy for progress output and tests. Never carries headers or the key. */
export interface RetryInfo {
  method: string;
  path: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  status: number | undefined;
  reason: string;
}

export interface TwelveLabsClientOptions {
  /** Defaults to env TWELVELABS_API_KEY, then TWELVE_LABS_API_KEY. */
  apiKey?: string | undefined;
  /** Defaults to env TWELVELABS_BASE_URL, then https://api.twelvelabs.io/v1.3. */
  baseUrl?: string | undefined;
  /** Per HTTP attempt, headers and body. Default 120 s. */
  timeoutMs?: number | undefined;
  /** Per chunk or file upload attempt. Default 30 min. */
  uploadTimeoutMs?: number | undefined;
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number | undefined;
  /** HTTP requests in flight at once across all calls of one client. Default 4. */
  concurrency?: number | undefined;
  /** First backoff step when the server gives no hint. Default 500 ms. */
  retryBaseDelayMs?: number | undefined;
  /** Cap of the exponential backoff. Default 30 s. */
  retryMaxDelayMs?: number | undefined;
  /** A Retry-After longer than this is not waited for: the call fails. Default 120 s. */
  maxRetryAfterMs?: number | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  /** Injected for tests. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

export interface ResolvedClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  uploadTimeoutMs: number;
  maxRetries: number;
  concurrency: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxRetryAfterMs: number;
  onRetry: ((info: RetryInfo) => void) | undefined;
  random: () => number;
  now: () => number;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || Math.floor(value) !== value || value < min) {
    throw new InputError(`TwelveLabs client option ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Normalize the client options once; every later call reads only the resolved form. */
export function resolveClientOptions(options: TwelveLabsClientOptions = {}): ResolvedClientOptions {
  const env = options.env ?? process.env;
  const apiKey =
    nonEmpty(options.apiKey) ?? nonEmpty(env['TWELVELABS_API_KEY']) ?? nonEmpty(env['TWELVE_LABS_API_KEY']);
  if (apiKey === undefined) {
    throw new InputError(
      'no TwelveLabs API key: set the environment variable TWELVELABS_API_KEY (or TWELVE_LABS_API_KEY), ' +
        'or pass { apiKey } to new TwelveLabsClient(); get a key at https://playground.twelvelabs.io/dashboard/api-keys',
    );
  }
  const rawBase = nonEmpty(options.baseUrl) ?? nonEmpty(env['TWELVELABS_BASE_URL']) ?? DEFAULT_BASE_URL;
  let baseUrl: string;
  try {
    const url = new URL(rawBase);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    baseUrl = url.href.replace(/\/+$/, '');
  } catch (cause) {
    throw new InputError(
      `TwelveLabs base URL ${JSON.stringify(rawBase)} is not an http(s) URL; fix TWELVELABS_BASE_URL or the baseUrl option`,
      { cause },
    );
  }
  return {
    apiKey,
    baseUrl,
    timeoutMs: positiveInt('timeoutMs', options.timeoutMs, 120_000, 1),
    uploadTimeoutMs: positiveInt('uploadTimeoutMs', options.uploadTimeoutMs, 30 * 60_000, 1),
    maxRetries: positiveInt('maxRetries', options.maxRetries, 5, 0),
    concurrency: positiveInt('concurrency', options.concurrency, 4, 1),
    retryBaseDelayMs: positiveInt('retryBaseDelayMs', options.retryBaseDelayMs, 500, 0),
    retryMaxDelayMs: positiveInt('retryMaxDelayMs', options.retryMaxDelayMs, 30_000, 0),
    maxRetryAfterMs: positiveInt('maxRetryAfterMs', options.maxRetryAfterMs, 120_000, 0),
    onRetry: options.onRetry,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}
