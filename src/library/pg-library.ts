import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { AnnotationSet } from '../lexical/annotation-set.js';
import { type ModeSearchRequest, type ModeSearchResponse, modeSearch } from '../lexical/mode-search.js';
import { PgSearchStorage } from '../pg/pg-search-storage.js';
import { parsePgTarget } from '../pg/target.js';
import { type LibrarySnapshot, runSearch, type SearchRequest, type SearchResponseFor } from '../query/index.js';
import type { Manifest } from '../store/manifest.js';
import type { QueryCache } from '../store/query-cache.js';
import type { CallOptions } from '../types.js';
import type { Library, OpenLibraryOptions } from './library.js';
import { type LibraryStats, manifestStats } from './stats.js';

/** What a PostgreSQL library's stats cannot say: the database keeps no per-library bytes, graph or calibration of its own. */
const NOT_IN_POSTGRES = ['bytes', 'memory', 'cross_modal_links'];

/**
 * A library in PostgreSQL (`postgres://USER@HOST:PORT/DB?library=NAME`), opened for searching:
 * `search`, `query` and `stats` run on the database (PgSearchStorage), through the same search
 * pipeline as a folder library. Writes through PostgreSQL are not supported yet: each write
 * method throws an InputError that says to fill the library with `vsearch sync`. Query
 * embeddings are cached in a local folder (`queryCacheDir`, else VSEARCH_PG_CACHE, else under
 * the OS cache folder, one per database and library).
 */
export class PgLibrary implements Pick<Library, keyof Library> {
  readonly dir: string;
  readonly #storage: PgSearchStorage;
  readonly #options: OpenLibraryOptions;

  private constructor(storage: PgSearchStorage, options: OpenLibraryOptions) {
    this.dir = storage.target.shown;
    this.#storage = storage;
    this.#options = options;
  }

  static async open(url: string, options: OpenLibraryOptions = {}): Promise<PgLibrary> {
    const target = parsePgTarget(url);
    if (options.create === true)
      throw notSupported(target.shown, 'creating a library', `vsearch sync --from DIR --to '${target.shown}'`);
    const storage = await PgSearchStorage.open(target, options.queryCacheDir ?? pgCacheDir(target.shown));
    return new PgLibrary(storage, options);
  }

  get manifest(): Readonly<Manifest> {
    return this.#storage.manifest;
  }

  get queryCache(): QueryCache {
    return this.#storage.queryCache;
  }

  snapshot(): Promise<LibrarySnapshot> {
    return this.#storage.snapshot();
  }

  /** Loads the newest generation in the database (each search does too); whether it changed. */
  async refresh(): Promise<boolean> {
    const before = this.manifest.generation;
    await this.#storage.snapshot();
    return this.manifest.generation !== before;
  }

  search<R extends SearchRequest>(request: R, options: CallOptions = {}): Promise<SearchResponseFor<R>> {
    return runSearch(request, {
      storage: this.#storage,
      embedder: this.#options.embedder,
      onWarning: this.#options.onWarning,
      signal: options.signal,
    }) as Promise<SearchResponseFor<R>>;
  }

  /** Vector searches (a PostgreSQL library holds no annotations yet, so text and hybrid modes find nothing to read). */
  async query(request: ModeSearchRequest, options: CallOptions = {}): Promise<ModeSearchResponse> {
    return modeSearch(
      {
        vectorSearch: (vectorRequest) => this.search(vectorRequest, options),
        annotations: async () => new AnnotationSet([]),
        videos: () => this.listVideos(),
        indexId: this.#storage.manifest.id,
        canEmbed: this.#options.embedder !== undefined,
      },
      request,
    );
  }

  /** Counts, model, dimension and index settings; `bytes` and `memory` are 0: see `not_in_postgres`. */
  async stats(): Promise<LibraryStats & { backend: 'postgres'; not_in_postgres: string[] }> {
    const snapshot = await this.#storage.snapshot();
    const stats = manifestStats(snapshot.manifest, snapshot.index, 0);
    return {
      ...stats,
      memory: { ...stats.memory, vectors_bytes: 0, graph_bytes: 0 },
      backend: 'postgres',
      not_in_postgres: NOT_IN_POSTGRES,
    };
  }

  flush(): Promise<void> {
    return this.#storage.pages.flush();
  }

  close(): Promise<void> {
    return this.#storage.close();
  }

  readonly upstreamAsset: Library['upstreamAsset'] = () => this.#refuse('looking up assets');
  readonly build: Library['build'] = () => this.#refuse('building');
  readonly importSegments: Library['importSegments'] = () => this.#refuse('importing segments');
  readonly cacheQuery: Library['cacheQuery'] = () => this.#refuse('caching a query through the library');
  readonly importAnnotations: Library['importAnnotations'] = () => this.#refuse('importing annotations');
  readonly analyze: Library['analyze'] = () => this.#refuse('analyzing videos');
  readonly annotations: Library['annotations'] = () => this.#refuse('reading annotations');
  readonly removeVideo: Library['removeVideo'] = () => this.#refuse('removing a video');
  readonly listVideos: Library['listVideos'] = () => this.#refuse('listing videos');
  readonly getVideo: Library['getVideo'] = () => this.#refuse('reading a video');
  readonly updateVideoMetadata: Library['updateVideoMetadata'] = () => this.#refuse('changing metadata');
  readonly calibrateRecall: Library['calibrateRecall'] = () => this.#refuse('calibrating recall');
  readonly setSearchEf: Library['setSearchEf'] = () => this.#refuse('setting the search ef');
  readonly doctor: Library['doctor'] = () => this.#refuse('doctor');

  #refuse(what: string): Promise<never> {
    const { shown } = this.#storage.target;
    return Promise.reject(notSupported(shown, what, `vsearch sync --from DIR --to '${shown}' after changing DIR`));
  }
}

function notSupported(shown: string, what: string, instead: string): InputError {
  return new InputError(`${what} is not supported on a PostgreSQL library yet (${shown}); use ${instead}`);
}

/**
 * One folder per database and library (the URL without its password), under VSEARCH_PG_CACHE or
 * the OS cache folder: the query embeddings, and (in `media/`) the media a build embedded.
 */
export function pgCacheDir(shown: string): string {
  const root =
    process.env.VSEARCH_PG_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vsearch', 'postgres');
  return join(root, createHash('sha256').update(shown).digest('hex').slice(0, 16));
}
