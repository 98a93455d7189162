import type { VectorIndex } from '../index/vector-index.js';
import { type FactsSource, LabelFacts, LabelFactsCache } from '../query/label-facts.js';
import { type LibrarySnapshot, librarySnapshot } from '../query/library-snapshot.js';
import { PageRecords } from '../query/page-records.js';
import type { SearchStorage } from '../query/search-storage.js';
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
  readonly #catchUp: () => Promise<unknown>;
  #current:
    | { manifest: Readonly<Manifest>; index: VectorIndex | undefined; snapshot: Promise<LibrarySnapshot> }
    | undefined;

  /**
   * `index` is asked at each search, so the library may swap in a rebuilt one; `catchUp` runs
   * before each snapshot is chosen (the library following other processes' writes).
   */
  constructor(
    store: SegmentStore,
    index: () => VectorIndex | undefined,
    facts: FactsSource = (s) => LabelFacts.build(s),
    catchUp: () => Promise<unknown> = async () => undefined,
  ) {
    this.#store = store;
    this.#index = index;
    this.#catchUp = catchUp;
    this.#facts = new LabelFactsCache(store, facts);
    this.pages = new PageRecords(store.dir);
    this.queryCache = new QueryCache(store.dir);
  }

  async snapshot(): Promise<LibrarySnapshot> {
    await this.#catchUp();
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
