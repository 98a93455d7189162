import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StoreError } from '../errors.js';
import type { VectorIndex } from '../index/vector-index.js';
import { type FactsSource, LabelFacts, LabelFactsCache } from '../query/label-facts.js';
import { type LibrarySnapshot, librarySnapshot } from '../query/library-snapshot.js';
import {
  encodeBatch,
  PAGE_TTL_MS,
  type PageRecord,
  recordFromBatch,
  recordFromJson,
  recordToJson,
} from '../query/page-record-codec.js';
import { PageTokenError } from '../query/page-token-error.js';
import type { SearchStorage } from '../query/search-storage.js';
import { MAX_PAGE_LIMIT } from '../query/stages/prepare.js';
import type { Manifest } from '../store/manifest.js';
import { QueryCache } from '../store/query-cache.js';
import type { SegmentStore } from '../store/segment-store.js';

/**
 * The search storage of a library folder: segments and vectors from its Arrow files, the HNSW
 * (or exact) index the library keeps in step with them, page records in cache/pages, the query
 * cache in cache/. A snapshot is made on the first search after the manifest or the index
 * changed (a write, `setSearchEf`), and its label facts once per generation.
 */
export class LocalSearchStorage implements SearchStorage {
  readonly pages: PageRecords;
  readonly queryCache: QueryCache;
  readonly #store: SegmentStore;
  readonly #index: () => VectorIndex | undefined;
  readonly #facts: LabelFactsCache;
  readonly #catchingUp: () => Promise<unknown> | undefined;
  #current:
    | { manifest: Readonly<Manifest>; index: VectorIndex | undefined; snapshot: Promise<LibrarySnapshot> }
    | undefined;

  /**
   * `index` is asked at each search, so the library may swap in a rebuilt one; `catchingUp` is
   * the library's move to a newer generation when one is under way (its manifest read, its index
   * not yet), which a snapshot waits for so it never pairs one generation's manifest with another's index.
   */
  constructor(
    store: SegmentStore,
    index: () => VectorIndex | undefined,
    facts: FactsSource = (s) => LabelFacts.build(s),
    catchingUp: () => Promise<unknown> | undefined = () => undefined,
  ) {
    this.#store = store;
    this.#index = index;
    this.#catchingUp = catchingUp;
    this.#facts = new LabelFactsCache(store, facts);
    this.pages = new PageRecords(store.dir);
    this.queryCache = new QueryCache(store.dir);
  }

  snapshot(): Promise<LibrarySnapshot> {
    const catchingUp = this.#catchingUp();
    if (catchingUp !== undefined) return catchingUp.then(() => this.snapshot());
    const manifest = this.#store.manifest;
    const index = this.#index();
    const current = this.#current;
    if (current !== undefined && current.manifest === manifest && current.index === index) return current.snapshot;
    const snapshot = this.#make(manifest, index);
    this.#current = { manifest, index, snapshot };
    snapshot.catch(() => {
      if (this.#current?.snapshot === snapshot) this.#current = undefined;
    });
    return snapshot;
  }

  async #make(manifest: Readonly<Manifest>, index: VectorIndex | undefined): Promise<LibrarySnapshot> {
    const store = this.#store;
    const facts = await this.#facts.get();
    return librarySnapshot({
      manifest,
      facts,
      index,
      readVectors: (files) => Promise.all(files.map(async (name) => (await store.file(name)).vectors)),
      // Read through the snapshot's facts, so a write meanwhile cannot point it at another generation's rows.
      async segmentVector(label) {
        const name = facts.has(label) ? facts.files[facts.file[label] as number] : undefined;
        return name === undefined ? undefined : (await store.file(name)).vector(facts.row[label] as number);
      },
    });
  }
}

export type { PageRecord } from '../query/page-record-codec.js';

export const PAGES_DIR = join('cache', 'pages');
/** Expired records are pruned at most this often, across processes (the mtime of PRUNED_MARK says when last). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const PRUNED_MARK = '.pruned';

/** Records made within this long are written together, as one batch file. */
const BATCH_DELAY_MS = 250;
const BATCH_ID_HEX = 16;

/**
 * Page records in the library's `cache/pages/`. A new record is kept in memory and written
 * shortly after, with the others made meanwhile, as one batch file `<batch>.json` (a record
 * id is its batch id and its number in the batch), so a search neither waits on the disk nor
 * pays a file per query. A record rewritten later (a page that came out differently) goes to
 * its own `<id>.json`, which wins over the batch. Files are written atomically (temp file and
 * rename) but not fsynced: a record lost to a power cut only expires its token. `flush` (the
 * library's close) waits until every record is on disk.
 */
export class PageRecords {
  readonly dir: string;
  #prunedAt = Number.NEGATIVE_INFINITY;
  #madeDir = false;
  #batchId = randomBytes(BATCH_ID_HEX / 2).toString('hex');
  #counter = 0;
  /** Records not yet on disk (and rewritten ones read from here until their batch is). */
  readonly #memory = new Map<string, PageRecord>();
  #unwritten: PageRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #failure: unknown;
  /** Why records cannot be written here, once probed (undefined: they can). */
  #unavailable: Promise<string | undefined> | undefined;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, PAGES_DIR);
  }

  /** A new record id (24 hex digits): the current batch's id and a counter. */
  newId(): string {
    if (this.#counter === 0xffff_ffff) this.#rollBatch();
    return `${this.#batchId}${(this.#counter++).toString(16).padStart(24 - BATCH_ID_HEX, '0')}`;
  }

  async read(id: string): Promise<PageRecord | undefined> {
    const remembered = this.#memory.get(id);
    if (remembered !== undefined) return remembered;
    const single = await readIfPresent(this.#path(id));
    if (single !== undefined) return recordFromJson(parseJson(single.toString('utf8')));
    const batch = await readIfPresent(this.#batchPath(id.slice(0, BATCH_ID_HEX)));
    return batch === undefined ? undefined : recordFromBatch(batch, id);
  }

  /**
   * Why page records cannot be written in this library, or undefined when they can: probed once
   * (write and search permission on cache/pages, or the nearest folder above it that exists),
   * and again after a write failed. A read-only library still answers searches; only paging
   * past the first page is unavailable, and a search should then issue no token.
   */
  unavailable(): Promise<string | undefined> {
    this.#unavailable ??= this.#probe();
    return this.#unavailable;
  }

  async #probe(): Promise<string | undefined> {
    for (const dir of [this.dir, dirname(this.dir), dirname(dirname(this.dir))]) {
      try {
        await access(dir, constants.W_OK | constants.X_OK);
        return undefined;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        if (code !== 'ENOENT') return unwritable(dir, code);
      }
    }
    return undefined;
  }

  /** Takes a new record (its id from `newId`) to be written with its batch shortly. */
  writeSoon(record: PageRecord): void {
    this.#memory.set(record.id, record);
    this.#unwritten.push(record);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#writeBatch();
    }, BATCH_DELAY_MS);
  }

  /** Writes every record taken so far; throws the first write that failed since the last flush. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#writeBatch();
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw failure;
  }

  /** Writes one record to its own file now (a rewrite; it wins over its batch's copy). */
  async write(record: PageRecord): Promise<void> {
    await this.#writeFile(this.#path(record.id), recordToJson(record));
    if (this.#memory.has(record.id)) this.#memory.set(record.id, record);
  }

  /** Writes the unwritten records as one batch file, after any batch still being written. */
  #writeBatch(): Promise<void> {
    const records = this.#unwritten;
    if (records.length === 0) return this.#writing;
    const batchId = this.#batchId;
    this.#unwritten = [];
    this.#rollBatch();
    this.#writing = this.#writing.then(async () => {
      try {
        await this.#writeFile(this.#batchPath(batchId), encodeBatch(records));
        if (Date.now() - this.#prunedAt >= PRUNE_EVERY_MS) await this.#pruneWhenDue();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        this.#failure ??= new StoreError(
          `the page records of ${records.length} search(es) could not be written in ${this.dir} (${code}), so their page tokens will not work`,
          { cause: error },
        );
        // Later searches probe again, and issue no tokens while the folder cannot be written.
        this.#unavailable = this.#probe().then((reason) => reason ?? unwritable(this.dir, code));
      } finally {
        for (const record of records) this.#memory.delete(record.id);
      }
    });
    return this.#writing;
  }

  #rollBatch(): void {
    this.#batchId = randomBytes(BATCH_ID_HEX / 2).toString('hex');
    this.#counter = 0;
  }

  async #writeFile(path: string, data: string | Uint8Array): Promise<void> {
    if (!this.#madeDir) {
      // Once per process; cache/ and pages/ only, so a library folder removed meanwhile stays removed.
      for (const dir of [dirname(this.dir), this.dir]) await mkdirIfAbsent(dir);
      this.#madeDir = true;
    }
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, data);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Removes records (and leftover temp files) older than a day. */
  /** Prunes when no process did within PRUNE_EVERY_MS: one stat per process and hour, not one per record. */
  async #pruneWhenDue(): Promise<void> {
    this.#prunedAt = Date.now();
    const mark = join(this.dir, PRUNED_MARK);
    const last = await stat(mark).then(
      (stats) => stats.mtimeMs,
      () => Number.NEGATIVE_INFINITY,
    );
    if (this.#prunedAt - last < PRUNE_EVERY_MS) return;
    await writeFile(mark, '');
    await this.#prune();
  }

  async #prune(): Promise<void> {
    const cutoff = Date.now() - PAGE_TTL_MS;
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json') && !name.endsWith('.pages') && !name.endsWith('.tmp')) continue;
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

  #batchPath(batchId: string): string {
    return join(this.dir, `${batchId}.pages`);
  }
}

const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

function unwritable(dir: string, code: string): string {
  const why = READ_ONLY_CODES.has(code) ? `${code}: the library is read-only for this process` : code;
  return `page records cannot be written in ${dir} (${why}), so no page token was issued; ask for a larger page limit (up to ${MAX_PAGE_LIMIT}) to see more results`;
}

async function mkdirIfAbsent(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PageTokenError('the page record behind this token is damaged');
  }
}
