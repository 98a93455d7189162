import { createHash } from 'node:crypto';

/** Hashed in pieces: one update over a buffer of more than 2 GiB is not safe on every Node. */
const HASH_CHUNK = 256 * 1024 * 1024;

export function sha256Hex(data: string | Uint8Array): string {
  const hash = createHash('sha256');
  if (typeof data === 'string') return hash.update(data).digest('hex');
  for (let at = 0; at < data.byteLength; at += HASH_CHUNK) hash.update(data.subarray(at, at + HASH_CHUNK));
  return hash.digest('hex');
}
