import { statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import {
  type CacheEntry,
  cacheFileName,
  contentStem,
  decodeCacheFile,
  encodeCacheFile,
  type QueryKey,
} from './query-cache-file.js';
import { sha256Hex } from './sha256.js';

export type { CacheEntry, QueryKey };
export { sha256Hex };

const CACHE_DIR = 'cache';

/** A cache file that failed its checks: never searched; embedding the query again replaces it. */
export interface DamagedCacheFile {
  file: string;
  problem: string;
}

/** What a lookup found: the entry, else the damaged files that would have answered (empty: none cached). */
export type CacheLookup =
  | { entry: CacheEntry; damaged: DamagedCacheFile[] }
  | { entry: undefined; damaged: DamagedCacheFile[] };

export interface CacheFilter {
  /** An origin, or null for entries of unknown origin. */
  origin?: string | null | undefined;
  modality?: string | undefined;
}

const CACHE_FILE = /^[0-9a-f]{64}(\.[0-9a-f]{16})?\.arrow$/;

type ReadResult = CacheEntry | { problem: string };

/** Cache files kept decoded in memory (a 1024-d vector is 4 KiB). */
const MAX_DECODED = 4096;

/**
 * Which version of a file or folder is there: cache files are replaced by rename, never edited.
 * Synchronous on purpose: a local stat takes microseconds, less than an async one's round trip
 * through the thread pool, and a cached query pays it on every search.
 */
function versionOf(path: string): string | undefined {
  const info = statSync(path, { bigint: true, throwIfNoEntry: false });
  return info === undefined ? undefined : `${info.ino}:${info.mtimeNs}:${info.size}`;
}

/**
 * Query embeddings already paid for, one small Arrow file each, so a repeated query (or one
 * asked offline) never calls the API again. Keyed by model, modality, content and the origin
 * of the API that embedded it: a vector one API (an emulator) made is never served to a client
 * of another. Each file carries its vector's checksum and is checked before use. apache-arrow
 * loads on first use: a search by vector never needs it.
 */
export class QueryCache {
  readonly dir: string;
  /** Files checked and decoded before, by name, with the version they were read from: a repeated query costs a stat. */
  readonly #decoded = new Map<string, { version: string; read: ReadResult }>();
  /** The folder's cache file names as last listed, with the folder's version then. */
  #listing: { version: string; names: string[] } | undefined;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, CACHE_DIR);
  }

  /** The vector cached under exactly `key` (its origin too), if a sound file holds it. */
  async get(key: QueryKey, dimension?: number | null): Promise<Float32Array | undefined> {
    return (await this.lookup(key, key.origin, dimension)).entry?.vector;
  }

  /**
   * The cached embedding of a query for a search whose API has `origin`: only that origin's
   * (null: only unknown-origin ones). With `origin` undefined (no API at hand: offline),
   * any origin's, preferring one of unknown origin (added by hand), then the newest.
   */
  async lookup(
    content: Omit<QueryKey, 'origin'>,
    origin: string | null | undefined,
    dimension?: number | null,
  ): Promise<CacheLookup> {
    const stem = contentStem(content);
    const names = origin === undefined ? await this.#namesOf(stem) : [cacheFileName({ ...content, origin })];
    const damaged: DamagedCacheFile[] = [];
    const found: CacheEntry[] = [];
    // A listing reused within one tick of the folder's clock could miss a file just added: a miss lists again.
    if (origin === undefined && names.length === 0) names.push(...(await this.#namesOf(stem, true)));
    for (const name of names) {
      const read = await this.#read(name, dimension);
      if (read === undefined) continue;
      if ('problem' in read) damaged.push({ file: join(this.dir, name), problem: read.problem });
      else found.push(read);
    }
    found.sort(
      (a, b) =>
        Number(b.key.origin === null) - Number(a.key.origin === null) ||
        (b.createdAt ?? '').localeCompare(a.createdAt ?? ''),
    );
    return { entry: found[0], damaged };
  }

  async put(key: QueryKey, vector: Float32Array): Promise<void> {
    const bytes = await encodeCacheFile(key, vector, new Date().toISOString());
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, cacheFileName(key)), bytes);
  }

  /** Every sound entry with its key (origin included); files that fail their checks go to `onDamaged`. */
  async entries(
    options: { onDamaged?: ((damaged: DamagedCacheFile) => void) | undefined } = {},
  ): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = [];
    for (const name of await this.#names()) {
      const read = await this.#read(name);
      if (read === undefined) continue;
      if ('problem' in read) options.onDamaged?.({ file: join(this.dir, name), problem: read.problem });
      else entries.push(read);
    }
    return entries.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.file.localeCompare(b.file));
  }

  /**
   * Removes the entries the filter matches; with no filter, every cache file, damaged ones too
   * (all are re-made by embedding again). A damaged file cannot be shown to match a filter, so
   * a filtered clear keeps it. Returns how many files were removed.
   */
  async clear(filter: CacheFilter = {}): Promise<number> {
    const all = filter.origin === undefined && filter.modality === undefined;
    let removed = 0;
    for (const name of await this.#names()) {
      if (!all) {
        const read = await this.#read(name);
        if (read === undefined || 'problem' in read) continue;
        if (filter.origin !== undefined && read.key.origin !== filter.origin) continue;
        if (filter.modality !== undefined && read.key.modality !== filter.modality) continue;
      }
      await rm(join(this.dir, name), { force: true });
      this.#decoded.delete(name);
      removed++;
    }
    return removed;
  }

  async #names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((name) => CACHE_FILE.test(name)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** The cache files of one query content: from the last listing while the folder is unchanged, unless `fresh`. */
  async #namesOf(stem: string, fresh = false): Promise<string[]> {
    const version = versionOf(this.dir);
    if (version === undefined) return [];
    if (fresh || this.#listing?.version !== version) this.#listing = { version, names: await this.#names() };
    return this.#listing.names.filter((name) => name.startsWith(`${stem}.`));
  }

  /** The file's entry or its problem; undefined when there is no such file. */
  async #read(name: string, dimension?: number | null): Promise<ReadResult | undefined> {
    const path = join(this.dir, name);
    const onDisk = versionOf(path);
    if (onDisk === undefined) return undefined;
    // Checked against the dimension asked for: the same file can be sound for one caller and not another.
    const version = `${onDisk}/${String(dimension)}`;
    const known = this.#decoded.get(name);
    if (known?.version === version) return known.read;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const read = await decodeCacheFile(bytes, name, dimension);
    this.#decoded.delete(name);
    this.#decoded.set(name, { version, read });
    // A long-running server asked many distinct queries keeps only the latest ones decoded.
    for (const oldest of this.#decoded.keys()) {
      if (this.#decoded.size <= MAX_DECODED) break;
      this.#decoded.delete(oldest);
    }
    return read;
  }
}
