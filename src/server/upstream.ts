import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { HttpFailure } from '../http/index.js';

/** Where the paths serve does not answer itself go (embed, embed tasks, analyze, assets, tasks). */
export interface UpstreamSettings {
  /** The API base URL, ending in /v1.3. */
  baseUrl: string;
  /** Sent upstream as x-api-key; never the key clients give this server. */
  apiKey: string | undefined;
}

/** Hop-by-hop headers (RFC 9110 section 7.6.1), and the two that say who is calling. */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-api-key',
  'authorization',
]);

function forwardedHeaders(headers: IncomingMessage['headers'], apiKey: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    out[name] = value;
  }
  out['x-api-key'] = apiKey;
  return out;
}

/**
 * Passes a request on to the upstream API with the upstream key instead of the client's, and
 * streams its answer back as it is (status, headers, body), so an SDK using one base URL for
 * search and embedding sees the real API's answers.
 */
export async function forwardUpstream(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  prefix: string,
  upstream: UpstreamSettings,
  signal: AbortSignal,
): Promise<number> {
  if (upstream.apiKey === undefined) {
    throw new HttpFailure(
      401,
      'api_key_invalid',
      `This server passes ${url.pathname} on to the TwelveLabs API, but it has no upstream API key: start it with TWELVELABS_API_KEY set.`,
    );
  }
  const target = `${upstream.baseUrl.replace(/\/+$/, '')}${url.pathname.slice(prefix.length)}${url.search}`;
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(target, {
      method: method as 'GET',
      headers: forwardedHeaders(req.headers, upstream.apiKey),
      body: hasBody ? req : null,
      signal,
    });
  } catch (error) {
    throw new HttpFailure(
      502,
      'upstream_error',
      `The TwelveLabs API at ${new URL(upstream.baseUrl).origin} could not be reached: ${(error as Error).message}`,
    );
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding') continue;
    headers[name] = value;
  }
  res.writeHead(answer.statusCode, headers);
  await pipeline(answer.body, res);
  return answer.statusCode;
}
