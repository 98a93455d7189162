import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { AnnotationJson } from '../annotations/annotation.js';
import type { BuildOptions, BuildSummary } from '../build/build-types.js';
import { InputError } from '../errors.js';
import { AnnotationSet } from '../lexical/annotation-set.js';
import { type ModeSearchRequest, type ModeSearchResponse, modeSearch } from '../lexical/mode-search.js';
import { checkPgLibrary, type PgChecked } from '../pg/pg-doctor.js';
import { assertPgSearchEf } from '../pg/pg-search-settings.js';
import { PgSearchStorage } from '../pg/pg-search-storage.js';
import { readPgVideo } from '../pg/pg-video-detail.js';
import { updatePgVideoMetadata } from '../pg/pg-video-metadata.js';
import { listPgVideos, noSuchVideo, type PgVideoRow, removePgVideo } from '../pg/pg-videos.js';
import type { SyncSummary } from '../pg/sync-to-pg.js';
import { parsePgTarget } from '../pg/target.js';
import {
  describeQuery,
  type LibrarySnapshot,
  normalizeQueryVector,
  originOf,
  type QueryInput,
  queryKeyOf,
  runSearch,
  type SearchRequest,
  type SearchResponseFor,
} from '../query/index.js';
import { DEFAULT_INDEX_SETTINGS, type IndexSettings, type Manifest } from '../store/manifest.js';
import type { QueryCache } from '../store/query-cache.js';
import type { CallOptions, Metadata } from '../types.js';
import type { DoctorOptions, DoctorReport } from './doctor-report.js';
import type { ImportOptions, ImportSummary, Library, OpenLibraryOptions } from './library.js';
import { calibratePgLibrary, setPgSearchEf } from './pg-search-settings.js';
import { type LibraryStats, manifestStats } from './stats.js';
import {
  type GetVideoOptions,
  type MetadataPatch,
  metadataUpdate,
  type VideoDetail,
  type VideoInfo,
} from './videos.js';

/** What a PostgreSQL library's stats cannot say: the database keeps no per-library bytes or graph of its own. */
const NOT_IN_POSTGRES = ['bytes', 'memory', 'cross_modal_links'];

/**
 * A library in PostgreSQL (`postgres://USER@HOST:PORT/DB?library=NAME`), opened for searching:
 * `search`, `query` and `stats` run on the database (PgSearchStorage), through the same search
 * pipeline as a folder library; `removeVideo`, `listVideos`, `getVideo`, `updateVideoMetadata`
 * and `doctor` run in SQL too, `build` and `importSegments` through src/library/pg-build.ts (as
 * `vsearch build` does), `cacheQuery` into the local query cache. `{ create: true }` registers an empty library (its model and dimension
 * set by the first write, as a folder's). The other writes are not supported yet: each throws
 * an InputError that says to fill the library with `vsearch sync`. Query
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
    const create = options.create === true ? newLibraryIndex(options.index ?? {}) : undefined;
    const storage = await PgSearchStorage.open(target, options.queryCacheDir ?? pgCacheDir(target.shown), create);
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
    const seconds = Object.values(snapshot.manifest.videos).reduce((sum, video) => sum + video.durationSec, 0);
    const stats = manifestStats(snapshot.manifest, seconds, snapshot.index, 0);
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
  /**
   * Embeds media through the TwelveLabs API and writes each video in its own transaction, as
   * `vsearch build --lib postgres://` does (src/library/pg-build.ts): the embedded media is kept
   * in a local folder under the cache folder, so a rerun pays for nothing twice.
   */
  async build(
    inputs: readonly string[],
    options: BuildOptions = {},
  ): Promise<BuildSummary & { annotations: number; written: SyncSummary }> {
    const { buildMediaIntoPgLibrary } = await import('./pg-build.js');
    const summary = await buildMediaIntoPgLibrary(this.#storage.target, inputs, {
      onWarning: this.#options.onWarning,
      ...options,
      client: this.#options.client,
    });
    await this.refresh();
    return summary;
  }

  /** Validates every row of every file before any video is written (as `vsearch build --from` into PostgreSQL); videos the database holds alike are not written again. */
  async importSegments(
    files: string | readonly string[],
    options: ImportOptions = {},
  ): Promise<ImportSummary & { written: SyncSummary }> {
    const { importIntoPgLibrary } = await import('./pg-build.js');
    const summary = await importIntoPgLibrary(
      this.#storage.target,
      typeof files === 'string' ? [files] : files,
      options,
    );
    await this.refresh();
    return summary;
  }
  /**
   * Keeps a query's embedding in the library's local query cache (`queryCacheDir`), keyed as a
   * folder library keys it: searches of that query, calibration and `vsearch bench`'s cross-modal
   * figures read it from there.
   */
  async cacheQuery(
    input: QueryInput,
    embedding: ArrayLike<number>,
    options: { origin?: string | undefined } = {},
  ): Promise<void> {
    const { model, dimension } = (await this.#storage.snapshot()).manifest;
    if (model === null)
      throw new InputError(
        `the library ${this.#storage.target.shown} is empty, so it has no model to key cached queries by; build or sync into it first`,
      );
    const origin = options.origin === undefined ? null : originOf(options.origin, 'the origin');
    const vector = normalizeQueryVector(embedding, dimension, `the embedding of the ${describeQuery(input)}`);
    await this.#storage.queryCache.put(await queryKeyOf(input, model, origin), vector);
  }
  readonly importAnnotations: Library['importAnnotations'] = () => this.#refuse('importing annotations');
  readonly analyze: Library['analyze'] = () => this.#refuse('analyzing videos');
  readonly annotations: Library['annotations'] = () => this.#refuse('reading annotations');
  /** Removes the video and its segments in one transaction; the next search of any process sees it gone. */
  async removeVideo(videoId: string): Promise<{ segments: number; annotations: number }> {
    const { library } = this.#storage.target;
    const segments = await this.#storage.withClient('removing a video from', (client) =>
      removePgVideo(client, library, videoId),
    );
    return { segments, annotations: 0 };
  }

  /** Every video of the library, sorted by id, in the shape a folder library lists them. */
  async listVideos(): Promise<VideoInfo[]> {
    const { library } = this.#storage.target;
    const rows = await this.#storage.withClient('listing the videos of', (client) => listPgVideos(client, library));
    return rows.map(videoInfo);
  }

  /** One video with its segments (and, with `{ vectors: true }`, their embeddings), in the folder library's shape; InputError for an unknown id. */
  async getVideo(
    videoId: string,
    options: GetVideoOptions = {},
  ): Promise<VideoDetail & { annotations: AnnotationJson[] }> {
    const { library } = this.#storage.target;
    const read = { vectors: options.vectors ?? false, dimension: this.manifest.dimension ?? 0 };
    const video = await this.#storage.withClient('reading a video of', (client) =>
      readPgVideo(client, library, videoId, read),
    );
    if (video === undefined) throw noSuchVideo(videoId);
    return { ...video, annotations: [] };
  }

  /**
   * Merges `patch` into the user metadata of each segment of a video (a key set to null is
   * deleted; the folder library's checks) in one transaction that bumps the generation, so the
   * next search of any process filters on the new metadata. Returns the video as it is now.
   */
  async updateVideoMetadata(videoId: string, patch: MetadataPatch): Promise<VideoDetail> {
    const update = metadataUpdate(patch, videoId);
    const { library } = this.#storage.target;
    await this.#storage.withClient('changing metadata in', (client) =>
      updatePgVideoMetadata(client, library, videoId, update),
    );
    await this.refresh();
    return this.getVideo(videoId);
  }
  /** Measures recall per query modality (pgvector HNSW against an exact SQL scan) and stores the chosen efs in the database. */
  readonly calibrateRecall: Library['calibrateRecall'] = (target, options = {}) =>
    calibratePgLibrary(this.#storage, target, options, this.#options.onWarning);
  /** Fixes the ef (at most PG_MAX_EF_SEARCH) of every later search of any process, in the database. */
  readonly setSearchEf: Library['setSearchEf'] = (ef) => setPgSearchEf(this.#storage, ef);
  /** The checks the database allows (see checkPgLibrary); nothing here is derived, so there is nothing to repair. */
  async doctor(options: Pick<DoctorOptions, 'repair'> = {}): Promise<PgDoctorReport> {
    if (options.repair === true)
      throw new InputError(
        `repair is not available on a PostgreSQL library (${this.#storage.target.shown}): it holds no derived files; the report says what to do for each problem`,
      );
    const { library } = this.#storage.target;
    const dimension = this.manifest.dimension ?? 0;
    const { problems, checked } = await this.#storage.withClient('checking', (client) =>
      checkPgLibrary(client, library, dimension),
    );
    return {
      healthy: problems.length === 0,
      problems: problems.map((problem) => ({ ...problem, repaired: false })),
      checked: {
        manifest: true,
        segmentFiles: 0,
        segments: checked.segments,
        index: checked.hnswIndex ? 'hnsw' : 'none',
        graph: false,
        facts: false,
      },
      backend: 'postgres',
      postgres: checked,
    };
  }

  #refuse(what: string): Promise<never> {
    const { shown } = this.#storage.target;
    return Promise.reject(notSupported(shown, what, `vsearch sync --from DIR --to '${shown}' after changing DIR`));
  }
}

/** A PostgreSQL library's doctor report: the folder's shape, its checks of the database under `postgres`. */
export interface PgDoctorReport extends DoctorReport {
  backend: 'postgres';
  postgres: PgChecked;
}

/** A new library's index settings, as a folder library takes them: an ef given at creation is fixed for every search. */
function newLibraryIndex(asked: Partial<IndexSettings>): IndexSettings {
  const given = Object.fromEntries(Object.entries(asked).filter(([, value]) => value !== undefined));
  const index: IndexSettings = { ...DEFAULT_INDEX_SETTINGS, ...(given as Partial<IndexSettings>) };
  if (asked.ef === undefined) return index;
  assertPgSearchEf(asked.ef);
  return { ...index, efFixed: true };
}

function videoInfo(row: PgVideoRow): VideoInfo {
  const source = row.source;
  return {
    video_id: row.video_id,
    source,
    filename: source === '' ? '' : basename(source.replace(/[?#].*$/, '')),
    segments: row.segments,
    duration: row.duration,
    embedding_options: [...row.embedding_options].sort(compareText),
    embedding_scopes: [...row.embedding_scopes].sort(compareText),
    metadata: metadataObject(row.metadata),
    updated_at: row.updated_at.toISOString(),
  };
}

function metadataObject(text: string): Metadata {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
