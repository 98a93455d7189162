import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the request may pass: any request when no key is configured, else only one whose
 * `x-api-key` equals it. Both sides are hashed first, so the comparison takes the same time
 * whatever the length or content of the key that was sent.
 */
export function apiKeyAccepted(expected: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (expected === undefined) return true;
  const header = headers['x-api-key'];
  const given = Array.isArray(header) ? header[0] : header;
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}
