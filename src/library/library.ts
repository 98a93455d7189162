import { join } from 'node:path';
import type { BuildOptions, BuildSummary } from '../build/build-types.js';
import type { Asset, TwelveLabsClient } from '../embed/index.js';
import { InputError } from '../errors.js';
import { type PinnedGraph, pinSavedGraph, unpinGraph, type VectorIndex } from '../index/index.js';
import { isPgUrl } from '../pg/target.js';
import {
  describeQuery,
  type LibrarySnapshot,
  normalizeQueryVector,
  originOf,
  type QueryEmbedder,
  type QueryInput,
  queryKeyOf,
  runSearch,
  type SearchContext,
  type SearchRequest,
  type SearchResponseFor,
} from '../query/index.js';
// Store modules by file, not the store's index: the search path must not load apache-arrow.
import type { IndexSettings, Manifest } from '../store/manifest.js';
import type { QueryCache } from '../store/query-cache.js';
import { SegmentStore } from '../store/segment-store.js';
import type { CallOptions, Metadata } from '../types.js';
import type { PgLibrary } from './pg-library.js';

export type { CallOptions };

import type { AnalyzeRequest } from '../annotations/analyze-request.js';
import type { AnalyzeOptions, AnalyzeSummary } from '../annotations/analyze-videos.js';
import { type Annotation, type AnnotationJson, annotationJson } from '../annotations/annotation.js';
import { AnnotationStore } from '../annotations/annotation-store.js';
import type { AnnotationImportSummary } from '../annotations/library-annotations.js';
import { type ModeSearchRequest, type ModeSearchResponse, modeSearch } from '../lexical/mode-search.js';
import { cachedCalibrationQueries } from './cached-queries.js';
import {
  assertRecallTarget,
  type CalibrateRecallOptions,
  calibrateRecall,
  calibrationRecord,
  type RecallCalibration,
} from './calibrate-recall.js';
import { warnIfOutgrowing } from './capacity.js';
import { cachedCrossModalLinks } from './cross-modal-queries.js';
import { CurrentAnnotations } from './current-annotations.js';
import type { DoctorOptions, DoctorReport } from './doctor-report.js';
import { type SavedFacts, savedFacts, syncFacts, syncFactsData } from './facts-sync.js';
import { fingerprintOf } from './fingerprint.js';
import {
  chosenKind,
  INDEX_DIR,
  type IndexSyncOptions,
  recordSegmentChange,
  type SavedCoverage,
  saveAfterRemoval,
  savedCoverage,
  syncIndex,
  UNSAVED_CHANGE_LIMIT,
} from './index-sync.js';
import { LocalSearchStorage } from './local-search-storage.js';
import { folderRecallProbe } from './recall-probe.js';
import { type LibraryStats, libraryStats } from './stats.js';
import { holdersOf, unionOfHolders } from './video-holders.js';
import {
  type GetVideoOptions,
  getVideo,
  listVideos,
  type MetadataPatch,
  metadataUpdate,
  type VideoDetail,
  type VideoInfo,
} from './videos.js';

export interface OpenLibraryOptions {
  /** Create an empty library when none exists at the path. */
  create?: boolean | undefined;
  /** The TwelveLabs client: embeds media for `build` and queries that are not cached yet. */
  client?: TwelveLabsClient | undefined;
  /** Embeds queries that are not cached yet; defaults to one over `client`. */
  embedder?: QueryEmbedder | undefined;
  /** Index parameters for a new library. */
  index?: Partial<IndexSettings> | undefined;
  /**
   * Threads that build the HNSW graph (default: every core Node may use, where the hnswlib-node
   * copy compiled for this CPU is loaded). A graph built by one thread is reproducible.
   */
  indexThreads?: number | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /**
   * How long a write waits for another writer of the same library (another process, or
   * another Library on the same folder) before failing with a StoreError; default two minutes.
   */
  lockTimeoutMs?: number | undefined;
  /** Most rows one segment file holds (default 65,536); a larger import is split into several files. */
  segmentFileRows?: number | undefined;
  /** Most bytes of column data one segment file holds (default 256 MiB). */
  segmentFileBytes?: number | undefined;
  /**
   * Add level-0 links projected from the cached text, image and audio queries to the HNSW
   * graph (index-sync.ts CrossModalLinks): cross-modal queries then need a far smaller ef.
   * A graph that has them keeps them on rebuilds without this option.
   */
  crossModalEdges?: boolean | undefined;
  /**
   * Answer searches with a text, image or audio query by partition search instead of the graph
   * (src/index/clip-partitions.ts, README "Partition search"): `true` probes the default for
   * the library's size and dimension (defaultPartitionProbes) for a top 10, a number that many.
   * The partitions are built from the stored vectors on the first such search of each library
   * generation, and the vectors stay in memory beside the graph's copy (10.5 s and 2.2 GiB at
   * 1M x 512): worth it for a handle that answers many queries (a server), not for one.
   */
  partitionSearch?: boolean | number | undefined;
  /** A PostgreSQL library's query-embedding cache folder (default: VSEARCH_PG_CACHE, else under the OS cache folder). */
  queryCacheDir?: string | undefined;
}

export interface ImportOptions {
  model?: string | undefined;
  metadata?: Metadata | undefined;
}

export interface ImportSummary {
  /** Files imported by this call. */
  files: number;
  /** Files skipped because their content was imported before (or named twice): importing a file again is a no-op. */
  skippedFiles: string[];
  segments: number;
  videos: number;
  model: string;
}

/** A vsearch library: the segment store, its ANN index, and the storage searches run over. */
export class Library {
  readonly dir: string;
  readonly #store: SegmentStore;
  readonly #storage: LocalSearchStorage;
  readonly #search: Omit<SearchContext, 'signal'>;
  readonly #options: OpenLibraryOptions;
  readonly #annotations: AnnotationStore;
  readonly #currentAnnotations: CurrentAnnotations;
  #index: VectorIndex | undefined;
  /** The catching up under way (refresh, or the index read for a search), which later ones and writes wait for. */
  #refreshing: Promise<boolean> | undefined;
  /**
   * The index is not in step with the store's generation: not read yet (opening a library does
   * not read its graph, so `stats` and metadata writes never pay for it), or the store moved on
   * (another process wrote, or a sync failed). The next search, or a write that needs the index,
   * brings it up to date.
   */
  #indexBehind = true;
  /** Whether the index has been read: refresh keeps a read one current, and leaves one never read to the first search. */
  #indexRead = false;
  /**
   * While the index is behind: the saved graph as it was when this library moved to its
   * generation (opened, refreshed or wrote), with the fingerprint of that generation's files.
   * The first search reads that graph, not one another process saved since for a newer generation.
   */
  #pinned: { graph: PinnedGraph; files: string } | undefined;

  private constructor(store: SegmentStore, options: OpenLibraryOptions) {
    this.dir = store.dir;
    this.#store = store;
    this.#options = options;
    this.#storage = new LocalSearchStorage(
      store,
      () => this.#index,
      (s) => syncFacts(s, { onWarning: options.onWarning }),
      () => this.#refreshing ?? (this.#indexBehind ? this.#serialised(() => this.#readIndex()) : undefined),
    );
    this.#search = {
      storage: this.#storage,
      embedder: options.embedder ?? clientEmbedder(options.client),
      onWarning: options.onWarning,
      partitionSearch: partitionSearchOf(options.partitionSearch),
    };
    this.#annotations = new AnnotationStore(store.dir);
    this.#currentAnnotations = new CurrentAnnotations(this.#annotations);
  }

  static async open(dir: string, options: OpenLibraryOptions = {}): Promise<Library> {
    partitionSearchOf(options.partitionSearch); // a bad option is refused before the store opens
    // An ef given at creation is the caller's choice for every search, as setSearchEf's is.
    const index =
      options.index === undefined
        ? undefined
        : options.index.ef === undefined
          ? options.index
          : { ...options.index, efFixed: true };
    const store = await SegmentStore.open(dir, {
      create: options.create ?? false,
      lock: { timeoutMs: options.lockTimeoutMs, onWarning: options.onWarning },
      segmentFileRows: options.segmentFileRows,
      segmentFileBytes: options.segmentFileBytes,
      ...(index === undefined ? {} : { index }),
    });
    const library = new Library(store, options);
    // Asked for cross-modal links: opening is a write of the graph (`vsearch build --cross-modal-edges`).
    if (options.crossModalEdges === true) await library.#syncIndex();
    else await library.#pin();
    return library;
  }

  get manifest(): Readonly<Manifest> {
    return this.#store.manifest;
  }

  get queryCache(): QueryCache {
    return this.#storage.queryCache;
  }

  /** The library's current generation as searches see it (immutable; a write makes the next one). */
  snapshot(): Promise<LibrarySnapshot> {
    return this.#storage.snapshot();
  }

  /**
   * An asset of the TwelveLabs API this library embeds through (`GET /assets/{id}`), as a build
   * would embed it from (a manifest line's `asset_id`); undefined when the API does not know it.
   */
  async upstreamAsset(assetId: string, options: CallOptions = {}): Promise<Asset | undefined> {
    const client = this.#options.client;
    if (client === undefined)
      throw new InputError(
        'looking up an asset needs the TwelveLabs API: set TWELVELABS_API_KEY (or pass a client to openLibrary)',
      );
    const { EmbeddingService } = await import('../embed/embedding-service.js');
    return new EmbeddingService(client).getAsset(assetId, options.signal);
  }

  /**
   * Embeds media (files, folders, URLs, a .jsonl manifest) through the TwelveLabs API and
   * adds it. Content already in the library is not embedded again; an interrupted build
   * resumes its journaled tasks when run again. Subtitles beside local media (NAME.srt,
   * NAME.vtt, NAME.LANG.srt next to NAME.mp4) become annotations (`annotations` counts the new ones).
   */
  async build(inputs: readonly string[], options: BuildOptions = {}): Promise<BuildSummary & { annotations: number }> {
    const client = this.#options.client;
    if (client === undefined)
      throw new InputError(
        'embedding media needs the TwelveLabs API: set TWELVELABS_API_KEY (or pass a client to openLibrary)',
      );
    return this.#writing(
      async () => {
        // The build pipeline loads only when media is embedded: searches never pay for it.
        const [{ buildFromMedia }, { EmbeddingService }] = await Promise.all([
          import('../build/build-library.js'),
          import('../embed/embedding-service.js'),
        ]);
        const summary = await buildFromMedia(this.#store, new EmbeddingService(client), inputs, {
          onWarning: this.#options.onWarning,
          ...options,
        });
        warnIfOutgrowing(this.#store.manifest, this.#options.onWarning);
        await this.#refreshIndex();
        const { addSubtitles } = await import('../annotations/library-annotations.js');
        const subtitles = await addSubtitles(this.#store, this.#annotations);
        return { ...summary, annotations: subtitles.annotations };
      },
      options.signal,
      { needsIndex: true },
    );
  }

  /**
   * Validates every row of every file first; writes nothing if any row is bad. A file whose
   * content was imported before is skipped (listed in `skippedFiles`), so a rerun after a
   * crash or a second import of the same file adds nothing twice.
   */
  async importSegments(files: string | readonly string[], options: ImportOptions = {}): Promise<ImportSummary> {
    const paths = typeof files === 'string' ? [files] : files;
    if (paths.length === 0) throw new InputError('nothing to import: name at least one file');
    return this.#writing(async () => {
      const manifest = this.#store.manifest;
      const { importRecords, newImportFiles, streamImportFiles } = await import('../build/import-files.js');
      const { fresh, skipped } = await newImportFiles(paths, manifest.imports);
      if (fresh.length === 0)
        return {
          files: 0,
          skippedFiles: skipped,
          segments: 0,
          videos: 0,
          model: manifest.model ?? options.model ?? '',
        };
      const settings = { ...options, libraryModel: manifest.model, libraryDimension: manifest.dimension };
      let imported: Awaited<ReturnType<typeof streamImportFiles>> | undefined;
      const saved = await this.#beforeSegmentWrite();
      // Read only when the import replaces rows of stored videos: the files that may hold them.
      let facts: SavedFacts | undefined;
      const holders = async (videoIds: ReadonlySet<string>): Promise<ReadonlySet<string> | undefined> => {
        facts = await savedFacts(this.#store);
        return unionOfHolders(facts?.data, this.#store, videoIds);
      };
      const appended = await this.#store.appendBatches(
        async (put) => {
          imported = await streamImportFiles(
            fresh.map((file) => file.path),
            settings,
            this.#store.segmentFileRows,
            put,
          );
          return { imports: importRecords(fresh, imported) };
        },
        { holdersOf: holders },
      );
      if (imported === undefined) throw new InputError('nothing to import: the files hold no segments');
      const { rows, videos, model } = imported;
      warnIfOutgrowing(this.#store.manifest, this.#options.onWarning);
      await this.#afterSegmentWrite(saved, appended.replaced, { added: true, facts });
      return { files: fresh.length, skippedFiles: skipped, segments: rows, videos, model };
    }, undefined);
  }

  /**
   * Stores a query's embedding (made earlier, elsewhere) so searches by that query need no API
   * call. `origin` names the API that made it (its base URL or origin): searches through that
   * API use it. Without one it is of unknown origin, used only where no API is called (offline).
   */
  async cacheQuery(
    input: QueryInput,
    embedding: ArrayLike<number>,
    options: { origin?: string | undefined } = {},
  ): Promise<void> {
    const { model, dimension } = this.#store.manifest;
    if (model === null)
      throw new InputError('the library is empty, so it has no model to key cached queries by; build it first');
    const origin = options.origin === undefined ? null : originOf(options.origin, 'the origin');
    const vector = normalizeQueryVector(embedding, dimension, `the embedding of the ${describeQuery(input)}`);
    await this.#storage.queryCache.put(await queryKeyOf(input, model, origin), vector);
  }

  /**
   * A first page, or with `pageToken` the page it names, replayed from its record without
   * embedding again. `data` is typed by `groupBy`: video hits (with `clips`) for 'video', clip hits otherwise.
   */
  search<R extends SearchRequest>(request: R, options: CallOptions = {}): Promise<SearchResponseFor<R>> {
    // The pipeline builds video hits exactly when the search (or the one a token replays) is grouped by video.
    return runSearch(request, { ...this.#search, signal: options.signal }) as Promise<SearchResponseFor<R>>;
  }

  /**
   * Timestamped text from JSONL files (`{"video_id", "start", "end", "text", "definition"?,
   * "fields"?}` a line) for videos of the library; a file imported before adds nothing.
   */
  async importAnnotations(files: string | readonly string[]): Promise<AnnotationImportSummary> {
    const paths = typeof files === 'string' ? [files] : files;
    return this.#writing(async () => {
      const { importAnnotationFiles } = await import('../annotations/library-annotations.js');
      return importAnnotationFiles(this.#store, this.#annotations, paths);
    });
  }

  /**
   * Pegasus analysis of library videos (all of them when `videoIds` is empty): a prompt, or
   * segment definitions; the results are stored as annotations. The same request on the same
   * content is asked once: a rerun skips what is stored and resumes what a killed run journaled.
   */
  async analyze(
    videoIds: readonly string[],
    request: AnalyzeRequest,
    options: AnalyzeOptions = {},
  ): Promise<AnalyzeSummary> {
    const client = this.#options.client;
    if (client === undefined)
      throw new InputError(
        'analysis needs the TwelveLabs API: set TWELVELABS_API_KEY (or pass a client to openLibrary)',
      );
    return this.#writing(async () => {
      const { analyzeVideos } = await import('../annotations/analyze-videos.js');
      return analyzeVideos(this.#store, this.#annotations, client, videoIds, request, {
        onWarning: this.#options.onWarning,
        ...options,
      });
    }, options.signal);
  }

  /** The annotations of one video (by start), or of every video. */
  async annotations(videoId?: string): Promise<Annotation[]> {
    return videoId === undefined ? this.#annotations.all() : this.#annotations.ofVideo(videoId);
  }

  /**
   * A search in one of three modes: vector (what `search` does), text (BM25 over annotation
   * text) or hybrid (the two fused); hits carry the annotations that overlap them, and the
   * filter reaches annotation fields as `annotations.<field>`.
   */
  async query(request: ModeSearchRequest, options: CallOptions = {}): Promise<ModeSearchResponse> {
    const { mode, fusion, weights: _weights, ...plain } = request;
    // Without annotations, fusion or a filter (which may name annotation fields), the mode search
    // would return the vector search as it is: go to it directly.
    const vectorOnly =
      (mode === undefined || mode === 'vector') && fusion === undefined && request.filter === undefined;
    if (vectorOnly && (await this.#currentAnnotations.get(this.#store.manifest)).size === 0)
      return this.search(plain, options);
    return modeSearch(
      {
        vectorSearch: (vectorRequest) => this.search(vectorRequest, options),
        annotations: () => this.#currentAnnotations.get(this.#store.manifest),
        videos: () => this.listVideos(),
        indexId: this.#store.manifest.id,
        canEmbed: this.#search.embedder !== undefined,
      },
      request,
    );
  }

  /**
   * Removes a video's segments from results at once and from the store, then its annotations
   * (a crash between leaves annotations of no video, which searches ignore and a second rm removes).
   */
  async removeVideo(videoId: string): Promise<{ segments: number; annotations: number }> {
    return this.#writing(async () => {
      if (this.#store.manifest.videos[videoId] === undefined && (await this.#annotations.ofVideo(videoId)).length > 0) {
        return { segments: 0, annotations: await this.#annotations.removeVideo(videoId) };
      }
      const saved = await this.#beforeSegmentWrite();
      const facts = await savedFacts(this.#store);
      const labels = await this.#store.removeVideo(videoId, { holders: holdersOf(facts?.data, this.#store, videoId) });
      await this.#afterSegmentWrite(saved, labels, { added: false, facts });
      return { segments: labels.length, annotations: await this.#annotations.removeVideo(videoId) };
    }, undefined);
  }

  /** Every video of the library (id, source, segments, duration, options, user metadata), sorted by id. */
  async listVideos(): Promise<VideoInfo[]> {
    return listVideos(this.#store);
  }

  /** One video with its segments (and, with `{ vectors: true }`, their embeddings) and annotations; InputError for an unknown id. */
  async getVideo(
    videoId: string,
    options: GetVideoOptions = {},
  ): Promise<VideoDetail & { annotations: AnnotationJson[] }> {
    const video = await getVideo(this.#store, videoId, options, await this.#holdersOf(videoId));
    return { ...video, annotations: (await this.#annotations.ofVideo(videoId)).map(annotationJson) };
  }

  /**
   * Merges `patch` into the user metadata of each segment of a video (a key set to null is
   * deleted) and returns the video as it is now. Labels and vectors are kept, so the index stays
   * valid without a rebuild; a `filter` on the new metadata works in the next search.
   */
  async updateVideoMetadata(videoId: string, patch: MetadataPatch, options: CallOptions = {}): Promise<VideoDetail> {
    const update = metadataUpdate(patch, videoId);
    return this.#writing(async () => {
      const saved = await savedCoverage(this.#store);
      const read = await savedFacts(this.#store);
      await this.#store.rewriteMetadata(videoId, update, { holders: holdersOf(read?.data, this.#store, videoId) });
      // The graph's labels still name the same vectors: the saved one is pointed at the new file
      // list without being read or written; an index in memory stays in step as it is.
      if (
        (saved === undefined || (await recordSegmentChange(this.#store, saved, [])) === undefined) &&
        chosenKind(this.#store) === 'hnsw'
      ) {
        // No saved graph served the old files: save the index under the new list, reading it if need be.
        if (this.#indexBehind) await this.#syncIndex();
        else if (this.#index !== undefined)
          await saveAfterRemoval(this.#store, this.#index, { onWarning: this.#options.onWarning });
      }
      // The label facts hold each segment's metadata: written for the new files now, so doctor and the next search find them current.
      const facts = await syncFactsData(this.#store, { onWarning: this.#options.onWarning }, read);
      return getVideo(this.#store, videoId, {}, holdersOf(facts, this.#store, videoId));
    }, options.signal);
  }

  /**
   * Finds the smallest HNSW search breadth (ef) whose recall@k, measured against exact
   * search on a sample of the library's own vectors, meets `target`, and stores it in the
   * manifest so every later search uses it: ask for a recall instead of an ef.
   */
  async calibrateRecall(target: number, options: CalibrateRecallOptions = {}): Promise<RecallCalibration> {
    assertRecallTarget(target);
    return this.#writing(
      async () => {
        const { model, dimension } = this.#store.manifest;
        const cache =
          options.cached === undefined
            ? await cachedCalibrationQueries(this.#storage.queryCache, model, dimension)
            : { queries: options.cached, unreadable: [] };
        for (const file of cache.unreadable)
          this.#options.onWarning?.(`the cached query ${file} could not be read; calibration leaves it out`);
        const calibration = await calibrateRecall(folderRecallProbe(this.#store, this.#index), target, {
          ...options,
          cached: cache.queries,
        });
        const { efFixed: _fixed, ...settings } = this.#store.manifest.index;
        await this.#store.replaceIndexSettings({
          ...settings,
          ef: calibration.ef,
          calibration: calibrationRecord(calibration, new Date().toISOString()),
        });
        return calibration;
      },
      undefined,
      { needsIndex: true },
    );
  }

  /** Sets the HNSW search breadth (ef) that every later search uses, whatever its query's modality, in the manifest; clears any recall calibration. */
  async setSearchEf(ef: number): Promise<void> {
    if (!Number.isInteger(ef) || ef < 1 || ef > 100_000)
      throw new InputError(`ef must be an integer from 1 to 100000, got ${String(ef)}`);
    await this.#writing(async () => {
      const { calibration: _dropped, ...settings } = this.#store.manifest.index;
      await this.#store.replaceIndexSettings({ ...settings, ef, efFixed: true });
    });
  }

  /**
   * Before a write that adds or removes segments, holding the lock: the saved graph when the
   * write can leave it unread (index-sync.ts savedCoverage); else the index is brought up to date
   * first, so the write applies to this generation's index (#afterSegmentWrite then saves it).
   */
  async #beforeSegmentWrite(): Promise<SavedCoverage | undefined> {
    const saved = await savedCoverage(this.#store);
    if (saved === undefined && this.#indexBehind) await this.#syncIndex();
    return saved;
  }

  /**
   * After a write that removed the `removed` labels, or added segments too (`added`): a small
   * change is only recorded in the saved graph's sidecar (the next search reads the graph and
   * applies it); a larger one, or one without a saved graph to record it in, is applied to the
   * index and saved.
   */
  async #afterSegmentWrite(
    saved: SavedCoverage | undefined,
    removed: readonly number[],
    change: { added: boolean; facts?: SavedFacts | undefined },
  ): Promise<void> {
    const unsaved = saved === undefined ? undefined : await recordSegmentChange(this.#store, saved, removed);
    if (unsaved !== undefined && unsaved <= UNSAVED_CHANGE_LIMIT) {
      this.#indexBehind = true;
      // The label facts follow at once (from the saved ones for the files kept), so doctor and the next search find them current.
      await syncFactsData(this.#store, { onWarning: this.#options.onWarning }, change.facts);
      return;
    }
    // An index read for the previous generation lacks only the removals: saved with them.
    if (unsaved === undefined && !change.added && !this.#indexBehind && this.#index !== undefined) {
      this.#index.remove(removed);
      if (chosenKind(this.#store) === this.#index.kind)
        await saveAfterRemoval(this.#store, this.#index, { onWarning: this.#options.onWarning });
    }
    this.#indexBehind = true;
    await this.#refreshIndex();
  }

  /** The files that may hold a video's segments, by the label facts last saved (undefined when unknown: every file is read). */
  async #holdersOf(videoId: string): Promise<ReadonlySet<string> | undefined> {
    if (this.#store.manifest.videos[videoId] === undefined) return undefined;
    return holdersOf((await savedFacts(this.#store))?.data, this.#store, videoId);
  }

  /**
   * One writer per library at a time, in any process: `work` runs holding the write lock,
   * on the manifest as it is on disk now. A write that adds, removes or searches segments
   * (`needsIndex`) brings the index up to date first, so what `work` changes applies to the
   * current generation, the index it saves covers every file, and every segment file the index
   * reads (all of them for an exact scan, the ones a saved graph lacks) is checked against its
   * sha256 before anything is written. Other writes leave the index as it is, unread if it was.
   */
  async #writing<T>(work: () => Promise<T>, signal?: AbortSignal, use: { needsIndex?: boolean } = {}): Promise<T> {
    // Not beside a catching up (refresh) half done: its index would be an older generation's. Once the
    // write has begun, the store's refresh waits for it.
    while (this.#refreshing !== undefined) await this.#refreshing.catch(() => undefined);
    return this.#store.write(async (changed) => {
      if (changed) this.#indexBehind = true;
      if (use.needsIndex === true && this.#indexBehind) await this.#syncIndex();
      const done = await work();
      // Still holding the lock, so the saved graph is this generation's (or older): pinned for the first search.
      if (this.#indexBehind) await this.#pin();
      return done;
    }, signal);
  }

  /** Reads (or rebuilds) the index for the store's current generation, from its pinned graph when there is one. */
  async #syncIndex(): Promise<void> {
    const pinned = this.#pinned;
    this.#pinned = undefined;
    try {
      const graph = pinned?.files === fingerprintOf(this.#store.fileNames) ? pinned.graph : undefined;
      this.#index = await syncIndex(this.#store, indexSyncOptions(this.#store, this.#options), graph);
    } finally {
      if (pinned !== undefined) await unpinGraph(pinned.graph);
    }
    this.#indexBehind = false;
    this.#indexRead = true;
  }

  /** The first search's read of the index, for the generation this library holds (it does not move it: refresh does). */
  async #readIndex(): Promise<boolean> {
    if (this.#indexBehind) await this.#syncIndex();
    return false;
  }

  /** Pins the saved graph for the store's current generation, unless one is pinned for it already. */
  async #pin(): Promise<void> {
    const files = fingerprintOf(this.#store.fileNames);
    if (this.#pinned?.files === files) return;
    await this.#unpin();
    if (this.#store.manifest.dimension === null || chosenKind(this.#store) !== 'hnsw') return;
    const graph = await pinSavedGraph(join(this.#store.dir, INDEX_DIR));
    if (graph !== undefined) this.#pinned = { graph, files };
  }

  async #unpin(): Promise<void> {
    const pinned = this.#pinned;
    this.#pinned = undefined;
    if (pinned !== undefined) await unpinGraph(pinned.graph);
  }

  /**
   * Brings this library to the newest generation on disk, as another process (or another Library
   * on this folder) wrote it: when manifest.json was replaced, reads it again without the write
   * lock, then the index catches up (the graph the writer saved, or one rebuilt) and with it the
   * label facts and annotations, for the next search. Searches already running finish on the
   * snapshot they hold; page tokens of older generations then expire. Without it a library keeps
   * answering from the generation it last read or wrote; `vsearch serve` calls it before each
   * request (ReloadingLibrary). One stat when nothing changed. Returns whether the generation changed.
   */
  refresh(): Promise<boolean> {
    return this.#serialised(() => this.#catchUp(this.#indexRead));
  }

  /** Runs one catching up at a time, each looking at the disk after the one before it is done. */
  #serialised(catchUp: () => Promise<boolean>): Promise<boolean> {
    const running = this.#refreshing;
    const next = running === undefined ? catchUp() : running.catch(() => false).then(catchUp);
    this.#refreshing = next;
    const done = (): void => {
      if (this.#refreshing === next) this.#refreshing = undefined;
    };
    next.then(done, done);
    return next;
  }

  /** The store's newest generation, and with `readIndex` the index for it. Returns whether either moved. */
  async #catchUp(readIndex: boolean): Promise<boolean> {
    const changed = await this.#store.refresh();
    if (changed) this.#indexBehind = true;
    if (!readIndex) {
      if (changed) await this.#pin();
      return changed;
    }
    if (!this.#indexBehind) return changed;
    await this.#syncIndex();
    return true;
  }

  /** Checks the library's files against each other (`vsearch doctor`); `repair` rebuilds the derived ones. */
  async doctor(options: Pick<DoctorOptions, 'repair'> = {}): Promise<DoctorReport> {
    const { runDoctor } = await import('./doctor.js');
    return runDoctor(this.dir, { ...options, onWarning: this.#options.onWarning });
  }

  /** What the library holds, from its manifest and the saved index's sidecar: it never reads the graph. */
  async stats(): Promise<LibraryStats> {
    return libraryStats(this.#store, this.#indexBehind ? undefined : this.#index);
  }

  /**
   * Waits until the page records of the searches so far are written, so their page tokens
   * work in any process (searches write them in batches shortly after they return).
   */
  flush(): Promise<void> {
    return this.#storage.pages.flush();
  }

  /** Flushes, then lets go of the index. */
  async close(): Promise<void> {
    this.#index = undefined;
    this.#indexBehind = true;
    this.#indexRead = false;
    await this.#unpin();
    await this.#storage.pages.flush();
  }

  /** After a write: the index and the label facts file catch up with the store, so the next search (in any process) reads them. */
  async #refreshIndex(): Promise<void> {
    await this.#syncIndex();
    if (this.#index !== undefined) await this.#storage.snapshot();
  }
}

function indexSyncOptions(store: SegmentStore, options: OpenLibraryOptions): IndexSyncOptions {
  return {
    onWarning: options.onWarning,
    threads: options.indexThreads,
    crossModal: cachedCrossModalLinks(store, options.crossModalEdges === true),
  };
}

/** Embeds uncached queries through `client`, loading the embedding service on first use. */
function clientEmbedder(client: TwelveLabsClient | undefined): QueryEmbedder | undefined {
  if (client === undefined) return undefined;
  let embedder: Promise<QueryEmbedder> | undefined;
  return {
    origin: originOf(client.baseUrl),
    async embed(input, model, options) {
      embedder ??= import('../embed/embedding-service.js').then(({ queryEmbedderFor }) => queryEmbedderFor(client));
      return (await embedder).embed(input, model, options);
    },
  };
}

/** A PostgreSQL connection string naming a library: `postgres://USER@HOST:PORT/DB?library=NAME`. */
export type PgLibraryUrl = `postgres://${string}` | `postgresql://${string}`;

/**
 * Opens a library folder, or with a postgres:// URL a library in PostgreSQL (PgLibrary: search,
 * query and stats; its writes throw an InputError). A URL held in a plain `string` opens the same
 * PgLibrary at run time: narrow it with `isPgLibraryUrl` to get that type.
 */
export function openLibrary(url: PgLibraryUrl, options?: OpenLibraryOptions): Promise<PgLibrary>;
export function openLibrary(dir: string, options?: OpenLibraryOptions): Promise<Library>;
export async function openLibrary(location: string, options: OpenLibraryOptions = {}): Promise<Library | PgLibrary> {
  if (!isPgLibraryUrl(location)) return Library.open(location, options);
  if (partitionSearchOf(options.partitionSearch) !== undefined)
    throw new InputError(
      '`partitionSearch` applies to a folder library: a PostgreSQL library searches its pgvector index; leave the option out',
    );
  const { PgLibrary } = await import('./pg-library.js');
  // A query that is not cached embeds through the client, as on a folder library.
  return PgLibrary.open(location, { ...options, embedder: options.embedder ?? clientEmbedder(options.client) });
}

export function isPgLibraryUrl(location: string): location is PgLibraryUrl {
  return isPgUrl(location);
}

function partitionSearchOf(option: boolean | number | undefined): true | number | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return true;
  if (!Number.isInteger(option) || option < 1)
    throw new InputError(
      `\`partitionSearch\` must be true, false or a whole number of partitions to probe (1 or more), got ${String(option)}`,
    );
  return option;
}
