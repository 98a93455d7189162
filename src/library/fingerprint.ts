import { sha256Hex } from '../store/sha256.js';

/** Segment files are immutable and uniquely named, so their names identify the store's content. */
export function fingerprintOf(fileNames: readonly string[]): string {
  return sha256Hex(fileNames.join('\n'));
}
