import type { Stats } from 'node:fs';
import { InputError } from './errors.js';

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a plain file';
}

/**
 * Refuses what is not a regular file before it is read: a FIFO would block the read until
 * some writer came, a device could be read forever, a directory cannot be read at all.
 * `what` says what the file was meant to be ("the vector file").
 */
export function assertRegularFile(info: Stats, path: string, what: string): void {
  if (!info.isFile())
    throw new InputError(`${path} is not a regular file (it is ${kindOf(info)}); give ${what} as a regular file`);
}
