import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/index.js';
import type { GroupBy, Operator, SearchOption } from './search-request.js';
import type { Threshold } from './confidence.js';
import type { SearchFilter } from './search-filter.js';
import { PageTokenError } from './page-token-error.js';

export const PAGES_DIR = join('cache', 'pages');
/** Like the API's `page_expires_at`: a search's pages can be walked for a day. */
export const PAGE_TTL_MS = 24 * 60 * 60 * 1000;

/** What one page returned: its number of hits and what later pages must leave out. */
export interface ReturnedPage {
  items: number;
  /** Clip labels (group by clip), every label of a merged hit included. */
  labels: number[];
  /** Video ids (group by video). */
  videos: string[];
}

export interface StoredSearch {
  groupBy: GroupBy;
  operator: Operator;
  pageLimit: number;
  minScore?: number;
  searchOptions?: SearchOption[];
  filter?: SearchFilter;
  threshold: Threshold;
  mergeAdjacent: boolean;
}

/** A search replayed by its page tokens, without embedding its queries again. */
export interface PageRecord {
  version: 1;
  id: string;
  libraryId: string;
  /** The manifest generation it was made in; any import or rm expires it. */
  generation: number;
  createdAt: string;
  /** The normalized query vectors, base64 of their float32 bytes. */
  queries: string[];
  search: StoredSearch;
  excludedLabels: number[];
  total: number;
  pages: ReturnedPage[];
}

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

/** Page records in the library's `cache/pages/`, one small JSON file each, written atomically. */
export class PageRecords {
  readonly dir: string;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, PAGES_DIR);
  }

  newId(): string {
    return randomBytes(12).toString('hex');
  }

  async read(id: string): Promise<PageRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new PageTokenError('the page record behind this token is damaged');
    }
    if (typeof record !== 'object' || record === null || (record as Partial<PageRecord>).version !== 1 || !Array.isArray((record as Partial<PageRecord>).pages)) {
      throw new PageTokenError('the page record behind this token is not one this vsearch reads');
    }
    return record as PageRecord;
  }

  /** Writes a record; the first write of a record also prunes records older than a day. */
  async write(record: PageRecord, options: { prune: boolean }): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (options.prune) await this.#prune();
    await writeFileAtomic(this.#path(record.id), JSON.stringify(record));
  }

  async #prune(): Promise<void> {
    const cutoff = Date.now() - PAGE_TTL_MS;
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.dir, name);
      try {
        if ((await stat(path)).mtimeMs < cutoff) await rm(path, { force: true });
      } catch {
        // Another process pruned it first.
      }
    }
  }

  #path(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
