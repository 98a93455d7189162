import { randomBytes } from 'node:crypto';
import { PAGE_TTL_MS, type PageRecord, recordFromJson, recordToJson } from '../query/page-record-codec.js';
import type { PageRecordStore } from '../query/search-storage.js';
import type { Queryable } from './queryable.js';

/** Expired records are deleted at most this often by one process. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Page records of one PostgreSQL library in `vsearch_pages` (migration 2), so a token issued
 * by one serve process is honoured by any other on the same database. A new record is
 * readable from memory at once and written in the background; `flush` waits for the writes
 * and reports the first failure. Records older than a day are pruned, as in a folder library.
 */
export class PgPageRecords implements PageRecordStore {
  readonly #db: Queryable;
  readonly #library: string;
  readonly #memory = new Map<string, PageRecord>();
  #writing: Promise<void> = Promise.resolve();
  #failure: unknown;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(db: Queryable, library: string) {
    this.#db = db;
    this.#library = library;
  }

  /** 24 random hex digits: ids from several processes never collide in practice. */
  newId(): string {
    return randomBytes(12).toString('hex');
  }

  async read(id: string): Promise<PageRecord | undefined> {
    const remembered = this.#memory.get(id);
    if (remembered !== undefined) return remembered;
    const found = await this.#db.query('SELECT record FROM vsearch_pages WHERE library = $1 AND id = $2', [
      this.#library,
      id,
    ]);
    const [row] = found.rows as { record: unknown }[];
    return row === undefined ? undefined : recordFromJson(row.record);
  }

  writeSoon(record: PageRecord): void {
    this.#memory.set(record.id, record);
    this.#writing = this.#writing.then(() =>
      this.#store(record).then(
        () => {
          if (this.#memory.get(record.id) === record) this.#memory.delete(record.id);
        },
        (error: unknown) => {
          this.#failure ??= error;
        },
      ),
    );
  }

  async write(record: PageRecord): Promise<void> {
    this.#memory.set(record.id, record);
    await this.#store(record);
    if (this.#memory.get(record.id) === record) this.#memory.delete(record.id);
  }

  /** The table is created by the migrations the storage ran when it opened: records can always be kept. */
  async unavailable(): Promise<string | undefined> {
    return undefined;
  }

  async flush(): Promise<void> {
    await this.#writing;
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw failure;
  }

  async #store(record: PageRecord): Promise<void> {
    await this.#db.query(
      'INSERT INTO vsearch_pages (library, id, record, created_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (library, id) DO UPDATE SET record = EXCLUDED.record',
      [this.#library, record.id, recordToJson(record), record.createdAt],
    );
    if (Date.now() - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = Date.now();
    await this.#db.query('DELETE FROM vsearch_pages WHERE library = $1 AND created_at < $2', [
      this.#library,
      new Date(Date.now() - PAGE_TTL_MS).toISOString(),
    ]);
  }
}
