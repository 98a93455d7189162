import { statSync } from 'node:fs';

/**
 * Which version of a file that is only ever replaced by rename (manifest.json, the annotations'
 * manifest) is on disk: its inode, mtime and size; undefined when there is none. Synchronous on
 * purpose: a local stat takes microseconds, the thread pool's round trip of an async one took most
 * of a warm vector query's overhead over hnswlib (bench/search-overhead.mjs --call query).
 */
export function fileVersion(path: string): string | undefined {
  const info = statSync(path, { bigint: true, throwIfNoEntry: false });
  return info === undefined ? undefined : `${info.ino}:${info.mtimeNs}:${info.size}`;
}
