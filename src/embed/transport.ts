import type { Readable } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, type FormData, request } from 'undici';
import { AbortError, type ApiError, ConnectionError, TimeoutError, VsearchError } from '../errors.js';
import { apiErrorFromResponse } from './api-errors.js';
import { delay, throwIfAborted } from './delay.js';
import type { ResolvedClientOptions } from './options.js';
import { type HeaderGetter, isRetryableNetworkError, isRetryableStatus, retryDelay } from './retry.js';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
type QueryValue = string | number | boolean | readonly string[] | undefined;
type RequestBody = string | Buffer | Uint8Array | Readable | FormData;

export interface RequestSpec {
  method: HttpMethod;
  /** Path under the base URL ("/embed-v2"), or an absolute URL when `external`. */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  /** A JSON body. */
  json?: unknown;
  /** Any other body, rebuilt for every attempt (a stream cannot be replayed). */
  body?: (() => RequestBody) | undefined;
  headers?: Record<string, string> | undefined;
  /** An absolute URL outside the API (a presigned upload URL): the API key is not sent there. */
  external?: boolean | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  header: HeaderGetter;
  requestId: string | undefined;
  /** Parsed JSON body, or undefined when the body was empty. */
  data: unknown;
}

const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-amzn-requestid', 'x-amz-request-id', 'x-trace-id'];
const USER_AGENT = 'vsearch/0.1 (+undici)';

function headerGetter(headers: Record<string, string | string[] | undefined>): HeaderGetter {
  return (name: string) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
}

function withQuery(url: string, query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${text}`;
}

/** Why one attempt failed, and whether another is worth it. */
interface AttemptFailure {
  error: VsearchError;
  retryable: boolean;
  status: number | undefined;
  header: HeaderGetter | undefined;
}

/**
 * The one HTTP door of the client: keep-alive pool, the API key header, concurrency bound,
 * per-attempt timeout, retries with the server's pacing, error mapping and redaction.
 */
export class Transport {
  readonly options: Omit<ResolvedClientOptions, 'apiKey'>;
  // An ES private field: not enumerable, not in JSON.stringify or util.inspect output.
  readonly #apiKey: string;
  private readonly agent: Agent;
  private readonly limit: LimitFunction;

  constructor(resolved: ResolvedClientOptions) {
    const { apiKey, ...options } = resolved;
    this.#apiKey = apiKey;
    this.options = options;
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      connections: Math.max(8, options.concurrency * 2),
    });
    this.limit = pLimit(options.concurrency);
  }

  /** Replace every occurrence of the API key: no message we build may carry it. */
  redact = (text: string): string => (this.#apiKey === '' ? text : text.split(this.#apiKey).join('[redacted]'));

  async close(): Promise<void> {
    await this.agent.close();
  }

  async request(spec: RequestSpec): Promise<HttpResponse> {
    const { options } = this;
    const pathForMessages = spec.external === true ? new URL(spec.path).pathname : spec.path;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(spec.signal);
      const outcome = await this.scheduled(() => this.attempt(spec, pathForMessages), spec.signal);
      if (!('error' in outcome)) return outcome;
      if (!outcome.retryable || attempt >= options.maxRetries) throw outcome.error;
      const { delayMs, source } = retryDelay({
        attempt: attempt + 1,
        headers: outcome.header,
        nowMs: options.now(),
        random: options.random,
        baseMs: options.retryBaseDelayMs,
        capMs: options.retryMaxDelayMs,
      });
      if (source !== 'backoff' && delayMs > options.maxRetryAfterMs) throw outcome.error;
      options.onRetry?.({
        method: spec.method,
        path: pathForMessages,
        attempt: attempt + 1,
        delayMs,
        status: outcome.status,
        reason: outcome.error.message,
      });
      await delay(delayMs, { signal: spec.signal });
    }
  }

  /** Run `fn` in a concurrency slot; a caller aborted while queued is released at once. */
  private scheduled<T>(fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (signal === undefined) return this.limit(fn);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new AbortError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.limit(async () => {
        if (signal.aborted) return;
        try {
          resolve(await fn());
        } catch (error) {
          reject(error);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }).catch(reject);
    });
  }

  private async attempt(spec: RequestSpec, pathForMessages: string): Promise<HttpResponse | AttemptFailure> {
    const url = withQuery(spec.external === true ? spec.path : `${this.options.baseUrl}${spec.path}`, spec.query);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...spec.headers };
    if (spec.external !== true) headers['x-api-key'] = this.#apiKey;
    let body: RequestBody | undefined;
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
    } else if (spec.body !== undefined) {
      body = spec.body();
    }

    const timeoutMs = spec.timeoutMs ?? this.options.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    spec.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const where = `${spec.method} ${pathForMessages}`;
    try {
      const res = await request(url, {
        method: spec.method,
        headers,
        body: body ?? null,
        dispatcher: this.agent,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const header = headerGetter(res.headers);
      const requestId = REQUEST_ID_HEADERS.map(header).find((v) => v !== undefined);
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        let data: unknown;
        if (text.trim() !== '') {
          try {
            data = JSON.parse(text);
          } catch (cause) {
            return {
              error: new ConnectionError(
                `TwelveLabs answered ${where} with a body that is not JSON (status ${res.statusCode})`,
                { cause },
              ),
              retryable: false,
              status: res.statusCode,
              header,
            };
          }
        }
        return { status: res.statusCode, header, requestId, data };
      }
      const error: ApiError = apiErrorFromResponse(res.statusCode, text, {
        method: spec.method,
        path: pathForMessages,
        requestId,
        redact: this.redact,
      });
      return { error, retryable: isRetryableStatus(res.statusCode), status: res.statusCode, header };
    } catch (cause) {
      if (spec.signal?.aborted === true) throw new AbortError();
      if (timedOut) {
        return {
          error: new TimeoutError(`${where} got no complete answer within ${timeoutMs} ms`, { cause }),
          retryable: true,
          status: undefined,
          header: undefined,
        };
      }
      if (cause instanceof VsearchError) throw cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      const error = new ConnectionError(
        this.redact(
          `could not reach TwelveLabs at ${new URL(url).origin} (${where}): ${detail}; check the network or TWELVELABS_BASE_URL`,
        ),
        { cause },
      );
      return { error, retryable: isRetryableNetworkError(cause), status: undefined, header: undefined };
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}
