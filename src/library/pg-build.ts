import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildOptions, BuildSummary } from '../build/build-types.js';
import type { TwelveLabsClient } from '../embed/index.js';
import { AbortError, InputError } from '../errors.js';
import { connectPg, type PgClient, pgError } from '../pg/connect.js';
import { ensurePgLibrary, type PgLibraryRow, readPgLibrary } from '../pg/library-row.js';
import { migrate } from '../pg/migrations.js';
import { copyStoreVideos, type SyncSummary } from '../pg/sync-to-pg.js';
import { type PgTarget, parsePgTarget } from '../pg/target.js';
import { SegmentStore } from '../store/index.js';
import { DEFAULT_INDEX_SETTINGS, type IndexSettings } from '../store/manifest.js';
import type { Metadata } from '../types.js';
import type { ImportOptions, ImportSummary } from './library.js';
import { pgCacheDir } from './pg-library.js';

export interface PgBuildOptions extends Omit<BuildOptions, 'model' | 'metadata'> {
  /** Cached embeddings to import (.jsonl, .arrow, saved API responses). */
  from?: readonly string[] | undefined;
  /** Media, folders or URLs to embed through `client`. */
  inputs?: readonly string[] | undefined;
  model?: string | undefined;
  metadata?: Metadata | undefined;
  /** M and efConstruction of a new library; an existing one must have the same. */
  index?: Partial<Pick<IndexSettings, 'M' | 'efConstruction'>> | undefined;
  client?: TwelveLabsClient | undefined;
  /** Where embedded media is kept (a folder library), so a rerun pays nothing twice; default under pgCacheDir. */
  cacheDir?: string | undefined;
  /** Called after each video is committed to the database. */
  onVideo?: ((videoId: string) => void) | undefined;
  say?: ((line: string) => void) | undefined;
}

interface PgImportSummary {
  files: number;
  segments: number;
  videos: number;
  model: string;
}

export interface PgBuildSummary {
  imported?: PgImportSummary;
  built?: BuildSummary;
  /** What reached the database: videos written, their segments, and videos it already held alike. */
  written: SyncSummary;
}

/**
 * `vsearch build` into a PostgreSQL library. Imports are read and checked whole into a private
 * staging folder (the folder import: every row validated before anything is written), embedded
 * media goes into a local folder library that stays as the embedding cache; then each video is
 * written to the database in its own transaction, skipped where the database holds the same
 * digest. No lock is taken: concurrent builders are ordered by the database, and a killed build
 * rerun writes only what is missing and embeds nothing twice.
 */
export function buildIntoPg(url: string, options: PgBuildOptions): Promise<PgBuildSummary> {
  return buildIntoPgTarget(parsePgTarget(url), options);
}

/**
 * `Library.importSegments` of a PostgreSQL library: buildIntoPg of the files (a rerun writes
 * nothing: no file is recorded, every video is found held alike).
 */
export async function importIntoPgLibrary(
  target: PgTarget,
  files: readonly string[],
  options: ImportOptions,
): Promise<ImportSummary & { written: SyncSummary }> {
  if (files.length === 0) throw new InputError('nothing to import: name at least one file');
  const { imported, written } = await buildIntoPgTarget(target, {
    from: files,
    model: options.model,
    metadata: options.metadata,
  });
  return {
    files: imported?.files ?? 0,
    skippedFiles: [],
    segments: imported?.segments ?? 0,
    videos: imported?.videos ?? 0,
    model: imported?.model ?? options.model ?? '',
    written,
  };
}

/** `Library.build` of a PostgreSQL library: buildIntoPg of the media (subtitles beside it are not read: no annotations in PostgreSQL yet). */
export async function buildMediaIntoPgLibrary(
  target: PgTarget,
  inputs: readonly string[],
  options: BuildOptions & { client: TwelveLabsClient | undefined },
): Promise<BuildSummary & { annotations: number; written: SyncSummary }> {
  if (inputs.length === 0) throw new InputError('nothing to build: name at least one media file, folder or URL');
  const { built, written } = await buildIntoPgTarget(target, { ...options, inputs });
  if (built === undefined) throw new InputError('nothing to build: name at least one media file, folder or URL');
  return { ...built, annotations: 0, written };
}

async function buildIntoPgTarget(target: PgTarget, options: PgBuildOptions): Promise<PgBuildSummary> {
  const client = await connectPg(target);
  try {
    await migrate(client);
    const existing = await readPgLibrary(client, target.library);
    if (existing !== undefined) assertSameIndex(target.shown, existing, options.index ?? {});
    // A library that exists keeps its settings (one created empty gets them stored at its first write).
    const index: IndexSettings =
      existing === undefined
        ? { ...DEFAULT_INDEX_SETTINGS, ...definedOnly(options.index ?? {}) }
        : (existing.index ?? { ...DEFAULT_INDEX_SETTINGS, M: existing.M, efConstruction: existing.efConstruction });
    const summary: PgBuildSummary = { written: { videos: 0, segments: 0, unchanged: 0 } };
    const from = options.from ?? [];
    if (from.length > 0)
      summary.imported = await importIntoPg(client, target.library, existing, index, from, options, summary.written);
    const inputs = options.inputs ?? [];
    if (inputs.length > 0) {
      const library = await readPgLibrary(client, target.library);
      summary.built = await embedIntoPg(
        client,
        target.library,
        library,
        index,
        inputs,
        {
          ...options,
          cacheDir: options.cacheDir ?? join(pgCacheDir(target.shown), 'media'),
        },
        summary.written,
      );
    }
    return summary;
  } catch (error) {
    throw pgError(error, target, 'building into');
  } finally {
    await client.end().catch(() => {});
  }
}

async function importIntoPg(
  client: PgClient,
  library: string,
  existing: PgLibraryRow | undefined,
  index: IndexSettings,
  from: readonly string[],
  options: PgBuildOptions,
  written: SyncSummary,
): Promise<PgImportSummary> {
  const { streamImportFiles } = await import('../build/import-files.js');
  const staging = await mkdtemp(join(tmpdir(), 'vsearch-pg-import-'));
  try {
    const store = await SegmentStore.open(staging, { create: true, index });
    let imported: Awaited<ReturnType<typeof streamImportFiles>> | undefined;
    await store.appendBatches(async (put) => {
      imported = await streamImportFiles(
        from,
        {
          model: options.model,
          metadata: options.metadata,
          libraryModel: existing?.model ?? undefined,
          libraryDimension: existing?.dimension ?? undefined,
        },
        store.segmentFileRows,
        put,
      );
      return {};
    });
    if (imported === undefined) throw new InputError('nothing to import: the files hold no segments');
    await writeStore(client, { library, existing, index }, store, Object.keys(store.manifest.videos), options, written);
    return { files: from.length, segments: imported.rows, videos: imported.videos, model: imported.model };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function embedIntoPg(
  client: PgClient,
  library: string,
  existing: PgLibraryRow | undefined,
  index: IndexSettings,
  inputs: readonly string[],
  options: PgBuildOptions & { cacheDir: string },
  written: SyncSummary,
): Promise<BuildSummary> {
  if (options.client === undefined)
    throw new InputError(
      'embedding media needs the TwelveLabs API: set TWELVELABS_API_KEY (or pass a client), or import cached embeddings with `from`',
    );
  // Before anything is embedded: media of another model would be paid for, then refused.
  const held = existing?.model ?? undefined;
  if (held !== undefined && options.model !== undefined && options.model !== held)
    throw new InputError(
      `library ${library} in PostgreSQL holds ${held} (${existing?.dimension}-d) segments, not ${options.model}; build into a library of another name`,
    );
  const [{ buildFromMedia }, { discoverInputs }, { EmbeddingService }] = await Promise.all([
    import('../build/build-library.js'),
    import('../build/discover-inputs.js'),
    import('../embed/embedding-service.js'),
  ]);
  const cache = await SegmentStore.open(options.cacheDir, { create: true, index });
  const built = await buildFromMedia(cache, new EmbeddingService(options.client), inputs, {
    ...options,
    model: options.model ?? held,
  });
  const discovered = await discoverInputs(inputs, options.metadata ?? {});
  // Items whose content the cache held under another id are the holder's: it goes too, in case the database lacks it.
  const videoIds = [
    ...discovered.items.map((item) => item.videoId),
    ...built.duplicates.map((duplicate) => duplicate.video_id),
  ].filter((id) => cache.manifest.videos[id] !== undefined);
  await writeStore(client, { library, existing, index }, cache, videoIds, options, written);
  return built;
}

/** Registers a new library (sets the model and dimension of one created empty, or checks those of one filled), then writes the videos. */
async function writeStore(
  client: PgClient,
  into: { library: string; existing: PgLibraryRow | undefined; index: IndexSettings },
  store: SegmentStore,
  videoIds: readonly string[],
  options: PgBuildOptions,
  written: SyncSummary,
): Promise<void> {
  const { library, existing, index } = into;
  const { model, dimension } = store.manifest;
  if (model === null || dimension === null || videoIds.length === 0) return;
  if (existing === undefined || existing.model === null)
    await ensurePgLibrary(client, library, { model, dimension, index });
  else if (existing.model !== model || existing.dimension !== dimension)
    throw new InputError(
      `library ${library} in PostgreSQL holds ${existing.model} (${existing.dimension}-d) segments, not ${model} (${dimension}-d); build into a library of another name`,
    );
  const copied = await copyStoreVideos(client, library, store, videoIds, {
    onVideo: (videoId) => {
      options.onVideo?.(videoId);
      if (options.signal?.aborted)
        throw new AbortError(
          'the build was interrupted; the videos written so far are kept, and a rerun writes the rest',
        );
    },
    say: options.say,
    merge: true,
  });
  written.videos += copied.videos;
  written.segments += copied.segments;
  written.unchanged += copied.unchanged;
}

function assertSameIndex(
  shown: string,
  existing: PgLibraryRow,
  asked: Partial<Pick<IndexSettings, 'M' | 'efConstruction'>>,
): void {
  const differ = [
    ...(asked.M !== undefined && asked.M !== existing.M ? [`\`index.M\` ${asked.M} (it has ${existing.M})`] : []),
    ...(asked.efConstruction !== undefined && asked.efConstruction !== existing.efConstruction
      ? [`\`index.efConstruction\` ${asked.efConstruction} (it has ${existing.efConstruction})`]
      : []),
  ];
  if (differ.length > 0)
    throw new InputError(
      `the library ${shown} already exists, and its index parameters are fixed when it is created: ${differ.join(', ')}; build into a library of another name to use them`,
    );
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
