import type { CacheLookup, QueryKey } from '../store/query-cache.js';
import type { LibrarySnapshot } from './library-snapshot.js';
import type { PageRecord } from './page-record-codec.js';

/**
 * Everything the search pipeline needs from where a library lives, and nothing else: the
 * snapshot of its current generation (segments, vectors, index), the page records that page
 * tokens name, and the query cache. The local library (Arrow segment files and an HNSW graph,
 * src/library/local-search-storage.ts) implements it; a PostgreSQL backend implements the same.
 */
export interface SearchStorage {
  /** The current generation's snapshot: the same object for every search until a write changes the library. */
  snapshot(): Promise<LibrarySnapshot>;
  readonly pages: PageRecordStore;
  readonly queryCache: QueryVectorCache;
}

/** Where searches keep what their page tokens name (a record per search: its queries, options and pages). */
export interface PageRecordStore {
  /** An id for a new record. */
  newId(): string;
  read(id: string): Promise<PageRecord | undefined>;
  /** Keeps a new record (readable at once) and stores it durably soon, without making the search wait. */
  writeSoon(record: PageRecord): void;
  /** Stores a changed record now. */
  write(record: PageRecord): Promise<void>;
  /** Why records cannot be stored here (then no page token is issued), or undefined when they can. */
  unavailable(): Promise<string | undefined>;
  /** Waits until every record is stored; throws the first failure since the last flush. */
  flush(): Promise<void>;
}

/** Query embeddings already paid for, keyed by model, modality, content and the origin of the API that made them. */
export interface QueryVectorCache {
  /** Where the cache lives, for messages. */
  readonly dir: string;
  lookup(
    content: Omit<QueryKey, 'origin'>,
    origin: string | null | undefined,
    dimension?: number | null,
  ): Promise<CacheLookup>;
  put(key: QueryKey, vector: Float32Array): Promise<void>;
}
