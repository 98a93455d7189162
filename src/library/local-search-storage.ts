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
