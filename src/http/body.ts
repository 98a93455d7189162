import type { IncomingMessage } from 'node:http';
import { MAX_JSON_DEPTH, nestsTooDeep } from '../json-limits.js';
import { HttpFailure } from './api-error.js';

/** The emulator's JSON bodies carry base64 media, so its default is large; serve passes its own. */
const JSON_LIMIT_BYTES = 64 * 1024 * 1024;

/** A request body to read: the request itself, or its chunks passed through a filter (a size cap). */
export type RequestBody = Pick<IncomingMessage, 'headers'> & AsyncIterable<Buffer>;

function requestTooLarge(limit: number): HttpFailure {
  return new HttpFailure(413, 'request_too_large', `The request body exceeds ${limit} bytes.`);
}

/** Reads a whole body, refusing more than `limit` bytes. */
async function readBody(req: RequestBody, limit = JSON_LIMIT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw requestTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object body: Content-Type JSON, at most `limit` bytes, nested at most MAX_JSON_DEPTH deep. */
export async function readJson(req: IncomingMessage, limit = JSON_LIMIT_BYTES): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    await drain(req);
    throw new HttpFailure(400, 'parameter_invalid', 'The request body must be JSON (Content-Type: application/json).', {
      field: 'content-type',
    });
  }
  const text = (await readBody(req, limit)).toString('utf8');
  if (nestsTooDeep(text))
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `The request body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpFailure(400, 'parameter_invalid', 'The request body is not valid JSON.');
  }
  if (!isRecord(value)) throw new HttpFailure(400, 'parameter_invalid', 'The request body must be a JSON object.');
  return value;
}

export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req as AsyncIterable<Buffer>) {
    // discard
  }
}

/** True when the request announces a body over the limit, so it can be refused before any of it is read. */
export function announcedTooLarge(req: IncomingMessage, limit: number): boolean {
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > limit;
}

/**
 * The request's body, failing with `tooLarge()` as soon as it passes `limit` bytes. Reading
 * stops there: the rest is neither read into memory nor waited for, and the stream is not
 * destroyed, so the 413 answer can still be written.
 */
export function limitedBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => HttpFailure = () => requestTooLarge(limit),
): RequestBody {
  async function* chunks(): AsyncGenerator<Buffer> {
    let size = 0;
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      yield chunk;
    }
  }
  return { headers: req.headers, [Symbol.asyncIterator]: chunks };
}
