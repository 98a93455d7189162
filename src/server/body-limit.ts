import type { IncomingMessage } from 'node:http';
import { HttpFailure } from '../emulator/errors.js';
import type { MultipartBody } from '../emulator/multipart.js';

export function bodyTooLarge(limit: number): HttpFailure {
  return new HttpFailure(413, 'request_too_large', `The request body exceeds this server's limit of ${limit} bytes (vsearch serve --max-body-mb).`);
}

/** True when the request announces a body over the limit, so it can be refused before any of it is read. */
export function announcedTooLarge(req: IncomingMessage, limit: number): boolean {
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > limit;
}

/**
 * The request's body, failing with 413 as soon as it passes `limit` bytes. Reading stops
 * there: the rest is neither read into memory nor waited for, and the stream is not destroyed,
 * so the 413 answer can still be written.
 */
export function limitedBody(req: IncomingMessage, limit: number): MultipartBody {
  async function* chunks(): AsyncGenerator<Buffer> {
    let size = 0;
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw bodyTooLarge(limit);
      yield chunk;
    }
  }
  return { headers: req.headers, [Symbol.asyncIterator]: chunks };
}
