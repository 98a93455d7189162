import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError, LibraryNotFoundError, StoreError } from '../errors.js';
import { fileVersion } from '../fs/file-version.js';
import { writeFileAtomic } from './atomic-write.js';
import { namesIn, removeCrashTempFiles, SEGMENT_FILE_NAME } from './crash-leftovers.js';
import { acquireWriteLock, LockHeldError, type WriteLockOptions } from './library-lock.js';
import {
  DEFAULT_INDEX_SETTINGS,
  emptyManifest,
  type ImportRecord,
  type IndexSettings,
  MANIFEST_FILE,
  type Manifest,
  type ManifestFile,
  manifestFileOf,
  RECOVER,
  type RetiredFile,
  readManifest,
  type SegmentFileEntry,
  writeManifest,
} from './manifest.js';
import { manifestProblems, segmentFileProblems } from './manifest-checks.js';
import { readSegmentBytes } from './read-segment-bytes.js';
import type { SegmentFile } from './segment-file.js';
import { fileBreaks, type SegmentFileCap, segmentFileCap, sliceRows } from './segment-file-cap.js';
import { identityOfRow, lastOfEachIdentity, segmentIdentity } from './segment-identity.js';
import type { SegmentRows } from './segment-rows.js';
import { concatRows, selectRows } from './select-rows.js';
import { sha256Hex } from './sha256.js';
import {
  AppendDelta,
  applyDelta,
  emptyDelta,
  touchedDelta,
  type VideoFacts,
  type VideoFactsDelta,
  type VideoMedia,
} from './video-facts.js';
import { type LoadedManifest, loadManifestWithFacts, viewOf } from './video-facts-load.js';
import { VIDEO_FACTS_DIR, VIDEO_FACTS_FILE_NAME, writeVideoFacts } from './video-facts-store.js';

/** A file holding rows of one video: which rows are the video's, which are kept. */
interface HoldingFile {
  entry: SegmentFileEntry;
  file: SegmentFile;
  video: number[];
  keep: number[];
}

/** A video's rows as #rowsOfVideo found them: the store's files in order, each as it is or holding rows of the video. */
interface RowsOfVideo {
  files: (SegmentFileEntry | HoldingFile)[];
  holding: HoldingFile[];
  labels: number[];
}

/** The store's files after rows replaced by identity were dropped (see #withoutIdentities). */
/** What an append's replaced rows leave of each file: the entry as it is, or the rows it keeps. */
interface ReplacementPlan {
  files: (SegmentFileEntry | { entry: SegmentFileEntry; file: SegmentFile; keep: number[] })[];
  videos: Manifest['videos'];
  dropped: number[];
  complete: boolean;
}

/** The files that may hold any of the stored videos an append touches; undefined: read every file. */
export type HolderLookup = (videoIds: ReadonlySet<string>) => Promise<ReadonlySet<string> | undefined>;

interface KeptRows {
  segmentFiles: SegmentFileEntry[];
  /** The summaries of the videos that an append touches, of their kept rows. */
  videos: Manifest['videos'];
  retired: RetiredFile[];
  /** Labels of the stored rows replaced. */
  dropped: number[];
}

/** What an append commits beside its rows. */
export interface AppendExtras {
  /** Content keys embedded, to the video holding each (for dedupe). */
  contents?: Readonly<Record<string, string>> | undefined;
  /** The import records of the files the rows came from. */
  imports?: Readonly<Record<string, ImportRecord>> | undefined;
  /** The media facts of the videos the rows bring, read from their files. */
  media?: Readonly<Record<string, VideoMedia>> | undefined;
}

export const SEGMENTS_DIR = 'segments';
const MAX_LABEL = 0xffff_ffff;
/**
 * How long a segment file stays on disk after a write unlisted it (ten minutes): a reader
 * that opened an older manifest (a query running, a server between reloads) can still read
 * it; a later write deletes it once the time has passed.
 */
export const RETIRED_GRACE_MS = 10 * 60_000;

export interface OpenStoreOptions {
  /** Start a new library when the directory holds none; it is written by the first write. */
  create?: boolean;
  index?: Partial<IndexSettings>;
  /** How long unlisted files stay for readers of older manifests (default RETIRED_GRACE_MS). */
  retiredGraceMs?: number;
  /** How writes wait for the write lock. */
  lock?: Omit<WriteLockOptions, 'signal'>;
  /** Most rows a segment file holds (default DEFAULT_SEGMENT_FILE_ROWS, 65,536); larger writes are split. */
  segmentFileRows?: number | undefined;
  /** Most bytes of column data a segment file holds (default DEFAULT_SEGMENT_FILE_BYTES, 256 MiB). */
  segmentFileBytes?: number | undefined;
}

export interface SegmentLocation {
  file: SegmentFile;
  row: number;
}

/**
 * The library's source of truth: immutable Arrow segment files listed by a manifest
 * that is replaced atomically. A segment becomes visible only once its file and the
 * manifest naming it are both durable; files the manifest does not name are ignored.
 *
 * Every write runs holding the library's write lock and applies its change to the manifest
 * as it is on disk at that moment (read again under the lock), so concurrent writers, in
 * one process or many, never commit over each other.
 */
export class SegmentStore {
  readonly dir: string;
  #manifest: Manifest;
  /** The per-video facts behind the manifest's `videos`, `contents` and import records. */
  #facts: VideoFacts;
  /** The next commit writes a whole facts base (old layout being converted, or facts rebuilt from the segments). */
  #needsBase: boolean;
  #factsProblem: string | undefined;
  /** No manifest on disk yet: the first commit creates the library. */
  #pending: boolean;
  readonly #options: OpenStoreOptions;
  readonly #cap: SegmentFileCap;
  readonly #files = new Map<string, Promise<SegmentFile>>();
  readonly #session = new AsyncLocalStorage<true>();
  /** The version (fileVersion) of manifest.json this store last read or wrote: what `refresh` compares. */
  #seen: string | undefined;
  /** Writes of this store under way: while it holds the lock, the manifest on disk is its own. */
  #writes = 0;

  private constructor(dir: string, loaded: VersionedManifest, pending: boolean, options: OpenStoreOptions) {
    this.dir = dir;
    this.#manifest = loaded.manifest;
    this.#facts = loaded.facts;
    this.#needsBase = loaded.needsBase;
    this.#factsProblem = loaded.factsProblem;
    this.#pending = pending;
    this.#options = options;
    this.#cap = segmentFileCap(options.segmentFileRows, options.segmentFileBytes);
    this.#seen = loaded.version;
  }

  /**
   * Opens the library at `dir`, checking its manifest against itself and the files it lists.
   * With `create`, a directory holding no library gives an empty store that the first write
   * creates on disk (so a failed first write leaves nothing behind).
   */
  static async open(dir: string, options: OpenStoreOptions = {}): Promise<SegmentStore> {
    segmentFileCap(options.segmentFileRows, options.segmentFileBytes);
    await assertNotAFile(dir);
    const found = await loadManifestSettled(dir, options);
    if (found !== undefined) return new SegmentStore(dir, found, false, options);
    if (!options.create) {
      throw new LibraryNotFoundError(
        `no vsearch library at ${dir} (${MANIFEST_FILE} is missing); create one with \`openLibrary(dir, { create: true })\`, or pass an existing library's folder as \`dir\``,
      );
    }
    const manifest = emptyManifest(`lib_${randomBytes(12).toString('hex')}`, new Date(), {
      ...DEFAULT_INDEX_SETTINGS,
      ...definedOnly(options.index ?? {}),
    });
    return new SegmentStore(
      dir,
      { manifest, facts: new Map(), needsBase: true, factsProblem: undefined, version: undefined },
      true,
      options,
    );
  }

  get manifest(): Readonly<Manifest> {
    return this.#manifest;
  }

  /** The per-video facts behind the manifest's view: what a reader needing only sums of them reads, without building the view. */
  get videoFacts(): VideoFacts {
    return this.#facts;
  }

  /**
   * Why the video-facts table was rebuilt from the segment files when this store (re)loaded the
   * manifest (missing or damaged); undefined when it was read intact or the library is of the old layout.
   */
  get videoFactsProblem(): string | undefined {
    return this.#factsProblem;
  }

  get fileNames(): string[] {
    return this.#manifest.segmentFiles.map((entry) => entry.name);
  }

  /**
   * Runs `work` holding the write lock, on the manifest as it is on disk now. `work` gets
   * whether the manifest changed since this store last saw it (another writer committed).
   * Writes inside `work` (append, removeVideo, ...) join this session; writes outside any
   * session open their own.
   */
  async write<T>(work: (changed: boolean) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#session.getStore() === true) return work(false);
    this.#writes++;
    let created: string | undefined;
    let release: (() => Promise<void>) | undefined;
    try {
      created = this.#pending ? await mkdir(this.dir, { recursive: true }) : undefined;
      release = await acquireWriteLock(this.dir, { ...this.#options.lock, signal });
      const changed = await this.#reload();
      await removeCrashTempFiles(this.dir, join(this.dir, SEGMENTS_DIR));
      return await this.#session.run(true, () => work(changed));
    } finally {
      this.#writes--;
      await release?.();
      if (created !== undefined && this.#pending) await removeEmptyDirs(this.dir, created);
    }
  }

  /**
   * Runs `work` holding the write lock if the manifest on disk is still the generation this store
   * holds; returns whether it ran. For derived files a reader saves for its own generation (the
   * HNSW graph it rebuilt): they never replace what a newer generation saved. The lock is not
   * waited for: a writer holding it is about to commit a newer generation, which saves its own.
   */
  async whileCurrent(work: () => Promise<void>): Promise<boolean> {
    if (this.#session.getStore() === true) {
      await work();
      return true;
    }
    let release: () => Promise<void>;
    try {
      release = await acquireWriteLock(this.dir, { timeoutMs: 0 });
    } catch (error) {
      if (error instanceof LockHeldError) return false;
      throw error;
    }
    try {
      const stored = await readManifest(this.dir);
      const onDisk = stored.layout === 'legacy' ? stored.manifest : stored.file;
      if (onDisk.id !== this.#manifest.id || onDisk.generation !== this.#manifest.generation) return false;
      await work();
      return true;
    } finally {
      await release();
    }
  }

  /** Loads (once) and returns a segment file named by the manifest, checked against its entry. */
  file(name: string): Promise<SegmentFile> {
    let loading = this.#files.get(name);
    if (loading === undefined) {
      loading = this.readUncached(name);
      loading.catch(() => this.#files.delete(name));
      this.#files.set(name, loading);
    }
    return loading;
  }

  /**
   * Reads a segment file without keeping it, checking its size and checksum against the
   * manifest first: a damaged file is a StoreError naming it, never searched.
   */
  async readUncached(name: string): Promise<SegmentFile> {
    const path = join(this.dir, SEGMENTS_DIR, name);
    let bytes: Buffer;
    try {
      bytes = await readSegmentBytes(path);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw await this.#missing(name, error);
      throw new StoreError(`cannot read segment file ${path}: ${(error as Error).message}`, { cause: error });
    }
    const entry = this.#manifest.segmentFiles.find((candidate) => candidate.name === name);
    if (entry !== undefined) checkBytes(path, bytes, entry);
    // Arrow (segment-file.js) loads with the first file read: searches that never read one skip it.
    const { decodeSegmentFile } = await import('./segment-file.js');
    const file = decodeSegmentFile(name, bytes);
    if (entry !== undefined) checkDecoded(path, file, entry, this.#manifest.dimension);
    return file;
  }

  /** Whether `file(name)` has been asked for already (so its contents are, or soon will be, in memory). */
  isLoaded(name: string): boolean {
    return this.#files.has(name);
  }

  async allFiles(): Promise<SegmentFile[]> {
    return Promise.all(this.fileNames.map((name) => this.file(name)));
  }

  /** Where `label` lives, by binary search over the files' label ranges; undefined when absent. */
  async locate(label: number): Promise<SegmentLocation | undefined> {
    const entries = this.#manifest.segmentFiles;
    let lo = 0;
    let hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const entry = entries[mid] as SegmentFileEntry;
      if (label < entry.minLabel) hi = mid - 1;
      else if (label > entry.maxLabel) lo = mid + 1;
      else {
        const file = await this.file(entry.name);
        const row = file.rowOf(label);
        return row < 0 ? undefined : { file, row };
      }
    }
    return undefined;
  }

  /**
   * Writes `rows` as new segment files (split under the file cap) and commits them all in one
   * manifest write, with the content keys they embed (for dedupe) and the import records they
   * come from: all of them become visible, or none. Returns the labels given.
   */
  async append(rows: SegmentRows, model: string, extras: AppendExtras = {}): Promise<Uint32Array> {
    if (rows.count === 0) return new Uint32Array(0);
    const { firstLabel, count } = await this.appendBatches(async (put) => {
      await put(rows, model);
      return extras;
    });
    return Uint32Array.from({ length: count }, (_, i) => firstLabel + i);
  }

  /**
   * Appends rows that arrive in batches (a streaming import, in bounded memory): `produce` hands
   * each batch to `put`, which writes it as segment files at once; all of them are committed in
   * one manifest write after `produce` returns, so nothing is visible before every row was read
   * and checked. When `produce` (or a write) throws, the files written so far are removed.
   * Labels are given in order from the library's next label; `replaced` lists the labels of the
   * stored rows that rows of the same identity replaced.
   */
  async appendBatches(
    produce: (put: (rows: SegmentRows, model: string) => Promise<void>) => Promise<AppendExtras>,
    options: { holdersOf?: HolderLookup | undefined } = {},
  ): Promise<{ firstLabel: number; count: number; replaced: number[] }> {
    return this.write(async () => {
      const manifest = this.#manifest;
      const written: SegmentFileEntry[] = [];
      const delta = new AppendDelta(this.#facts);
      const incoming = new Set<string>();
      const added = new Map<string, { segments: number; durationSec: number }>();
      let model = manifest.model;
      let dimension = manifest.dimension;
      let nextLabel = manifest.nextLabel;
      const put = async (batch: SegmentRows, rowsModel: string): Promise<void> => {
        if (batch.count === 0) return;
        const rows = lastOfEachIdentity(batch);
        if (model !== null && model !== rowsModel) {
          throw new InputError(
            `this library holds ${model} embeddings and these are ${rowsModel}; their spaces are not comparable, so build a separate library for them (another \`dir\`)`,
          );
        }
        if (dimension !== null && dimension !== rows.dimension) {
          throw new InputError(
            `this library holds ${dimension}-d embeddings and these are ${rows.dimension}-d; build a separate library for them (another \`dir\`)`,
          );
        }
        if (nextLabel + rows.count - 1 > MAX_LABEL)
          throw new StoreError('the library has used every uint32 label; rebuild it into a new library');
        const labels = Uint32Array.from({ length: rows.count }, (_, i) => nextLabel + i);
        await this.#writeFiles(rows, labels, rowsModel, written);
        delta.addRows(rows);
        for (let row = 0; row < rows.count; row++) {
          const id = rows.videoId[row] as string;
          if (manifest.videos[id] === undefined) continue;
          incoming.add(identityOfRow(rows, row));
          const sum = added.get(id) ?? { segments: 0, durationSec: 0 };
          added.set(id, { segments: sum.segments + 1, durationSec: Math.max(sum.durationSec, rows.endSec[row] ?? 0) });
        }
        model = rowsModel;
        dimension = rows.dimension;
        nextLabel += rows.count;
      };
      let keys: Awaited<ReturnType<typeof produce>>;
      let kept: KeptRows;
      let appended: SegmentFileEntry[];
      try {
        keys = await produce(put);
        appended = [...written];
        // Rows of stored videos with the identity of a new one are replaced: dropped from the files that hold them.
        kept = await this.#withoutIdentities(incoming, new Set(added.keys()), written, options.holdersOf);
      } catch (error) {
        await this.#discard(written);
        throw error;
      }
      const count = nextLabel - manifest.nextLabel;
      if (count === 0) return { firstLabel: manifest.nextLabel, count, replaced: [] };
      for (const [id, summary] of Object.entries(kept.videos)) {
        const fact = delta.delta.upsert.get(id);
        const fresh = added.get(id);
        if (fact === undefined || fresh === undefined) continue;
        fact.segments = summary.segments + fresh.segments;
        fact.durationSec = Math.max(summary.durationSec, fresh.durationSec);
      }
      delta.addContents(keys.contents ?? {});
      delta.addImports(keys.imports ?? {});
      delta.addMedia(keys.media ?? {});
      const next: Manifest = {
        ...manifest,
        model,
        dimension,
        nextLabel,
        segmentFiles: [...kept.segmentFiles, ...appended],
        imports: { ...manifest.imports, ...keys.imports },
        retired: [...manifest.retired, ...kept.retired],
      };
      await this.#commit(next, delta.delta, written);
      return { firstLabel: manifest.nextLabel, count, replaced: kept.dropped };
    });
  }

  /** Most rows one segment file holds: a streaming import hands batches of this size. */
  get segmentFileRows(): number {
    return this.#cap.rows;
  }

  /**
   * The segment files without the stored rows that `rows` replace (same identity, see
   * segment-identity.ts), and the summaries of the videos that lost rows. Files that hold none
   * are kept as they are; the others are rewritten and retired, as removeVideo does. `holdersOf`
   * (from the label facts) names the files that may hold the touched videos: only those are read
   * when they hold every segment those videos have, else every file is.
   */
  async #withoutIdentities(
    incoming: ReadonlySet<string>,
    touched: ReadonlySet<string>,
    written: SegmentFileEntry[],
    holdersOf: HolderLookup | undefined,
  ): Promise<KeptRows> {
    const manifest = this.#manifest;
    if (touched.size === 0) return { segmentFiles: [...manifest.segmentFiles], videos: {}, retired: [], dropped: [] };
    const only = await holdersOf?.(touched);
    let plan = only === undefined ? undefined : await this.#replacementPlan(incoming, touched, only);
    if (plan === undefined || !plan.complete) plan = await this.#replacementPlan(incoming, touched, undefined);
    const segmentFiles: SegmentFileEntry[] = [];
    const retired: RetiredFile[] = [];
    const since = new Date().toISOString();
    for (const part of plan.files) {
      if (!('file' in part)) {
        segmentFiles.push(part);
        continue;
      }
      retired.push({ name: part.entry.name, since });
      if (part.keep.length === 0) continue;
      const selected = selectRows(part.file, part.keep);
      segmentFiles.push(...(await this.#writeFiles(selected.rows, selected.labels, part.file.model, written)));
    }
    return { segmentFiles, videos: plan.videos, retired, dropped: plan.dropped };
  }

  /**
   * Reads the files (`only` those, when given) for the stored rows of the `touched` videos:
   * which rows each file keeps, the kept rows' summaries, the labels replaced. `complete` when
   * the rows found are every segment the manifest counts for those videos.
   */
  async #replacementPlan(
    incoming: ReadonlySet<string>,
    touched: ReadonlySet<string>,
    only: ReadonlySet<string> | undefined,
  ): Promise<ReplacementPlan> {
    const manifest = this.#manifest;
    const videos: Manifest['videos'] = Object.fromEntries(
      [...touched].map((id) => [id, { segments: 0, durationSec: 0 }]),
    );
    const found = new Map<string, number>();
    const files: ReplacementPlan['files'] = [];
    const dropped: number[] = [];
    for (const entry of manifest.segmentFiles) {
      if (only !== undefined && !only.has(entry.name)) {
        files.push(entry);
        continue;
      }
      const file = await this.file(entry.name);
      const keep: number[] = [];
      for (let row = 0; row < file.count; row++) {
        const videoId = file.string('video_id', row);
        const summary = videos[videoId];
        if (summary !== undefined) {
          found.set(videoId, (found.get(videoId) ?? 0) + 1);
          const identity = segmentIdentity(
            videoId,
            file.string('embedding_option', row),
            file.string('embedding_scope', row),
            file.startSec[row] ?? 0,
            file.endSec[row] ?? 0,
          );
          if (incoming.has(identity)) {
            dropped.push(file.labels[row] as number);
            continue;
          }
          videos[videoId] = {
            segments: summary.segments + 1,
            durationSec: Math.max(summary.durationSec, file.endSec[row] ?? 0),
          };
        }
        keep.push(row);
      }
      files.push(keep.length === file.count ? entry : { entry, file, keep });
    }
    const complete = [...touched].every((id) => found.get(id) === manifest.videos[id]?.segments);
    return { files, videos, dropped, complete };
  }

  /**
   * Removes every segment of `videoId` from the store; returns the labels it had. The files
   * it rewrites stay on disk, retired, for readers of older manifests (see RETIRED_GRACE_MS).
   * `holders`: the files that hold the video (from the label facts), so the others are not read;
   * when they turn out to hold fewer segments than the video has, every file is searched.
   */
  async removeVideo(videoId: string, options: { holders?: ReadonlySet<string> | undefined } = {}): Promise<number[]> {
    return this.write(async () => {
      const manifest = this.#manifest;
      const plan = await this.#rowsOfVideo(videoId, options.holders);
      const segmentFiles: SegmentFileEntry[] = [];
      const written: SegmentFileEntry[] = [];
      try {
        for (const part of plan.files) {
          if (!('file' in part)) segmentFiles.push(part);
          else if (part.keep.length > 0) {
            // Through the cap as well: a file written before files were capped is split as it is rewritten.
            const selected = selectRows(part.file, part.keep);
            segmentFiles.push(...(await this.#writeFiles(selected.rows, selected.labels, part.file.model, written)));
          }
        }
      } catch (error) {
        await this.#discard(written);
        throw error;
      }
      const since = new Date().toISOString();
      const retired = plan.holding.map(({ entry }) => ({ name: entry.name, since }));
      // An import that brought this video is no longer whole in the library: importing its file again must work.
      const imports = Object.fromEntries(
        Object.entries(manifest.imports).filter(([, record]) => !record.videos.includes(videoId)),
      );
      const delta = emptyDelta();
      delta.removed.add(videoId);
      await this.#commit(
        { ...manifest, segmentFiles, imports, retired: [...manifest.retired, ...retired] },
        delta,
        written,
      );
      return plan.labels;
    });
  }

  /**
   * Where the rows of `videoId` are: InputError for a video the library lacks. Reads only the
   * files it searches: `holders` when given and they hold every segment the video has, else all.
   */
  async #rowsOfVideo(videoId: string, holders: ReadonlySet<string> | undefined): Promise<RowsOfVideo> {
    const video = this.#manifest.videos[videoId];
    if (video === undefined)
      throw new InputError(
        `no video ${JSON.stringify(videoId)} in this library; \`vsearch videos\` (listVideos) lists what it holds`,
      );
    if (holders !== undefined) {
      const found = await this.#searchFiles(videoId, holders);
      if (found.labels.length === video.segments) return found;
    }
    return this.#searchFiles(videoId, undefined);
  }

  async #searchFiles(videoId: string, only: ReadonlySet<string> | undefined): Promise<RowsOfVideo> {
    const plan: RowsOfVideo = { files: [], holding: [], labels: [] };
    for (const entry of this.#manifest.segmentFiles) {
      if (only !== undefined && !only.has(entry.name)) {
        plan.files.push(entry);
        continue;
      }
      const file = await this.file(entry.name);
      const keep: number[] = [];
      const video: number[] = [];
      for (let row = 0; row < file.count; row++) (file.string('video_id', row) === videoId ? video : keep).push(row);
      if (video.length === 0) {
        plan.files.push(entry);
        continue;
      }
      const holding = { entry, file, video, keep };
      plan.files.push(holding);
      plan.holding.push(holding);
      for (const row of video) plan.labels.push(file.labels[row] as number);
    }
    return plan;
  }

  /**
   * Rewrites the metadata of every segment of `videoId` with `update` (JSON text in, JSON text
   * out), keeping labels and vectors, so an index over the labels stays valid. Only the files
   * that hold the video are rewritten; the old ones stay retired for readers of older manifests.
   * Returns how many segments changed; when none did, nothing is written. `holders`: as for removeVideo.
   */
  async rewriteMetadata(
    videoId: string,
    update: (metadata: string) => string,
    options: { holders?: ReadonlySet<string> | undefined } = {},
  ): Promise<number> {
    return this.write(async () => {
      const manifest = this.#manifest;
      const plan = await this.#rowsOfVideo(videoId, options.holders);
      // Every new text is made before any file is written, so a failing update writes nothing.
      const texts = new Map<HoldingFile, string[]>();
      let changed = 0;
      for (const holding of plan.holding) {
        const { file } = holding;
        let metadata: string[] | undefined;
        for (const row of holding.video) {
          const before = file.string('metadata', row);
          const after = update(before);
          if (after === before) continue;
          metadata ??= Array.from({ length: file.count }, (_, i) => file.string('metadata', i));
          metadata[row] = after;
          changed++;
        }
        if (metadata !== undefined) texts.set(holding, metadata);
      }
      if (changed === 0) return 0;
      const segmentFiles: SegmentFileEntry[] = [];
      const written: SegmentFileEntry[] = [];
      try {
        for (const part of plan.files) {
          const metadata = 'file' in part ? texts.get(part) : undefined;
          if (!('file' in part) || metadata === undefined) {
            segmentFiles.push('file' in part ? part.entry : part);
            continue;
          }
          const selected = selectRows(
            part.file,
            Array.from({ length: part.file.count }, (_, i) => i),
          );
          segmentFiles.push(
            ...(await this.#writeFiles({ ...selected.rows, metadata }, selected.labels, part.file.model, written)),
          );
        }
      } catch (error) {
        await this.#discard(written);
        throw error;
      }
      const since = new Date().toISOString();
      const retired = [...texts.keys()].map(({ entry }) => ({ name: entry.name, since }));
      await this.#commit(
        { ...manifest, segmentFiles, retired: [...manifest.retired, ...retired] },
        touchedDelta(this.#facts, videoId),
        written,
      );
      return changed;
    });
  }

  /** Every stored segment of a video, as a batch that can be appended again under another id (append splits it under the cap). */
  async segmentsOf(videoId: string): Promise<SegmentRows | undefined> {
    const parts: SegmentRows[] = [];
    for (const file of await this.allFiles()) {
      const rows: number[] = [];
      for (let row = 0; row < file.count; row++) if (file.string('video_id', row) === videoId) rows.push(row);
      if (rows.length > 0) parts.push(selectRows(file, rows).rows);
    }
    return parts.length === 0 ? undefined : concatRows(parts);
  }

  /** Replaces the index settings (the search breadth, its calibration) in the manifest; segments are untouched. */
  async replaceIndexSettings(settings: IndexSettings): Promise<void> {
    await this.write(() => this.#commit({ ...this.#manifest, index: { ...settings } }, emptyDelta(), []));
  }

  /** Writes the video-facts table anew from what this store holds (after it was rebuilt from the segment files); segments are untouched. */
  async rewriteVideoFacts(): Promise<void> {
    await this.write(() => {
      this.#needsBase = true;
      return this.#commit({ ...this.#manifest }, emptyDelta(), []);
    });
  }

  async bytesOnDisk(): Promise<number> {
    return this.#pending ? 0 : directorySize(this.dir);
  }

  /**
   * Catches up, without the write lock, with what other writers (other processes, other stores on
   * this folder) committed: when manifest.json was replaced since this store last read or wrote
   * it, reads it again, checked as `open` checks it. Returns whether the generation changed. The
   * manifest is replaced whole by rename and the files it lists stay (retired) for the grace
   * period, so what is read is one consistent generation. A no-op while this store writes.
   */
  async refresh(): Promise<boolean> {
    if (this.#writes > 0) return false;
    const version = fileVersion(join(this.dir, MANIFEST_FILE));
    if (version === this.#seen || (version === undefined && this.#pending)) return false;
    return this.#reload(true);
  }

  /**
   * Reads the manifest again (holding the lock, or `lockFree` from `refresh`); returns whether it
   * changed. Read without the lock, it is not taken when a write of this store began meanwhile
   * (that write reads it under the lock) or when this store already holds a newer generation.
   */
  async #reload(lockFree = false): Promise<boolean> {
    const loaded = await loadManifest(this.dir, {
      manifest: this.#manifest,
      facts: this.#facts,
      needsBase: this.#needsBase,
      factsProblem: this.#factsProblem,
    });
    if (loaded === undefined) {
      if (this.#pending) return false;
      throw new StoreError(
        `${join(this.dir, MANIFEST_FILE)} disappeared while the library was open; nothing was written (${RECOVER} if segment files remain)`,
      );
    }
    const found = loaded.manifest;
    const stale = found.id === this.#manifest.id && found.generation < this.#manifest.generation;
    if (lockFree && (this.#writes > 0 || stale)) return false;
    this.#seen = loaded.version;
    const changed = this.#pending || found.id !== this.#manifest.id || found.generation !== this.#manifest.generation;
    this.#pending = false;
    this.#manifest = found;
    this.#facts = loaded.facts;
    this.#needsBase = loaded.needsBase;
    this.#factsProblem = loaded.factsProblem;
    const listed = new Set(this.fileNames);
    for (const name of [...this.#files.keys()]) if (!listed.has(name)) this.#files.delete(name);
    return changed;
  }

  async #missing(name: string, cause: unknown): Promise<StoreError> {
    const path = join(this.dir, SEGMENTS_DIR, name);
    const stored = await readManifest(this.dir).catch(() => undefined);
    const current = stored === undefined ? undefined : stored.layout === 'legacy' ? stored.manifest : stored.file;
    if (
      current !== undefined &&
      current.generation !== this.#manifest.generation &&
      !current.segmentFiles.some((entry) => entry.name === name)
    ) {
      return new StoreError(
        `the library at ${this.dir} changed after this process opened it (segment file ${name} was removed by a later write); open the library again`,
        { cause },
      );
    }
    return new StoreError(
      `segment file ${path}, listed in ${MANIFEST_FILE}, is missing; the library is damaged and that file's segments are lost (${RECOVER})`,
      { cause },
    );
  }

  /**
   * Writes `rows` as segment files under the cap, one record batch each, in label order. Each
   * entry is pushed on `written` as soon as its file is down, so a caller whose write fails can
   * remove exactly the files it made (never committed, so no reader can name them).
   */
  async #writeFiles(
    rows: SegmentRows,
    labels: Uint32Array,
    model: string,
    written: SegmentFileEntry[],
  ): Promise<SegmentFileEntry[]> {
    const entries: SegmentFileEntry[] = [];
    let start = 0;
    for (const end of fileBreaks(rows, this.#cap)) {
      const entry = await this.#writeFile(sliceRows(rows, start, end), labels.subarray(start, end), model);
      written.push(entry);
      entries.push(entry);
      start = end;
    }
    return entries;
  }

  async #writeFile(rows: SegmentRows, labels: Uint32Array, model: string): Promise<SegmentFileEntry> {
    const name = `seg-${String(this.#manifest.generation + 1).padStart(6, '0')}-${randomBytes(4).toString('hex')}.arrow`;
    const { encodeSegmentFile } = await import('./segment-file.js');
    const bytes = encodeSegmentFile(rows, labels, model);
    await mkdir(join(this.dir, SEGMENTS_DIR), { recursive: true });
    await writeFileAtomic(join(this.dir, SEGMENTS_DIR, name), bytes);
    return {
      name,
      rows: rows.count,
      minLabel: labels[0] as number,
      maxLabel: labels[labels.length - 1] as number,
      bytes: bytes.byteLength,
      sha256: sha256Hex(bytes),
    };
  }

  /**
   * Removes files a failed write made before its commit: no manifest names them. (After a commit
   * was tried nothing is removed here: the manifest may have landed; the next write's cleanup
   * removes what stayed unlisted.)
   */
  async #discard(written: readonly SegmentFileEntry[]): Promise<void> {
    for (const entry of written)
      await rm(join(this.dir, SEGMENTS_DIR, entry.name), { force: true }).catch(() => undefined);
  }

  /**
   * Writes `next` as the new generation. Files retired longer than the grace period leave the
   * retired list in the same commit and are deleted after it, with any segment file a crash
   * left unlisted (written, never committed): neither can be named by a manifest a reader holds.
   */
  async #commit(next: Manifest, delta: VideoFactsDelta, written: readonly SegmentFileEntry[]): Promise<void> {
    const grace = this.#options.retiredGraceMs ?? RETIRED_GRACE_MS;
    const now = Date.now();
    const young = (file: RetiredFile): boolean => now - Date.parse(file.since) < grace;
    const listed = new Set(next.segmentFiles.map((entry) => entry.name));
    const retired = next.retired.filter((file) => !listed.has(file.name) && young(file));
    const segments = next.segmentFiles.reduce((sum, entry) => sum + entry.rows, 0);
    const generation = this.#manifest.generation + 1;
    const facts = applyDelta(this.#facts, delta);
    const factsWritten: string[] = [];
    let file: ManifestFile;
    try {
      if (this.#pending) await mkdir(join(this.dir, SEGMENTS_DIR), { recursive: true });
      const list = await writeVideoFacts(
        this.dir,
        generation,
        next.videoFacts,
        facts,
        delta,
        this.#needsBase,
        factsWritten,
      );
      const videoFacts = { files: list.files, retired: list.retired.filter(young) };
      file = manifestFileOf(
        {
          ...next,
          generation,
          updatedAt: new Date(now).toISOString(),
          counts: { segments, videos: facts.size },
          retired,
        },
        videoFacts,
      );
    } catch (error) {
      await this.#discard(written);
      for (const name of factsWritten)
        await rm(join(this.dir, VIDEO_FACTS_DIR, name), { force: true }).catch(() => undefined);
      throw error;
    }
    await writeManifest(this.dir, file);
    // Holding the lock: the manifest on disk is the one just written.
    this.#seen = fileVersion(join(this.dir, MANIFEST_FILE));
    this.#manifest = viewOf(file, facts);
    this.#facts = facts;
    this.#needsBase = false;
    this.#factsProblem = undefined;
    this.#pending = false;
    await this.#removeUnlistedFiles();
  }

  /** Deletes segment and facts files (by this store's naming only) that the committed manifest neither lists nor keeps retired. */
  async #removeUnlistedFiles(): Promise<void> {
    const kept = new Set([...this.fileNames, ...this.#manifest.retired.map((file) => file.name)]);
    for (const name of await namesIn(join(this.dir, SEGMENTS_DIR))) {
      if (kept.has(name) || !SEGMENT_FILE_NAME.test(name)) continue;
      this.#files.delete(name);
      await rm(join(this.dir, SEGMENTS_DIR, name), { force: true });
    }
    const facts = this.#manifest.videoFacts;
    const keptFacts = new Set([
      ...(facts?.files ?? []).map((entry) => entry.name),
      ...(facts?.retired ?? []).map((file) => file.name),
    ]);
    for (const name of await namesIn(join(this.dir, VIDEO_FACTS_DIR))) {
      if (!keptFacts.has(name) && VIDEO_FACTS_FILE_NAME.test(name))
        await rm(join(this.dir, VIDEO_FACTS_DIR, name), { force: true });
    }
  }
}

/**
 * The manifest on disk, checked; undefined when the directory holds no library at all.
 * A missing manifest beside segment files is an error: those files may be the library's
 * only copy of its data, so nothing may treat them as unlisted.
 */
/** Segment files without a manifest: a library being created by another writer, or one that lost its manifest. */
class OrphanedSegmentsError extends StoreError {}

/**
 * The manifest as `open` should see it. A new library's first write puts its segment file down
 * before the manifest, holding the write lock, so segment files without a manifest are judged
 * again holding the lock: once that writer is done they have a manifest, or they really are orphans.
 */
async function loadManifestSettled(dir: string, options: OpenStoreOptions): Promise<VersionedManifest | undefined> {
  try {
    return await loadManifest(dir);
  } catch (error) {
    if (!(error instanceof OrphanedSegmentsError)) throw error;
  }
  const release = await acquireWriteLock(dir, options.lock ?? {});
  try {
    return await loadManifest(dir);
  } finally {
    await release();
  }
}

/** A loaded manifest with the version of manifest.json it was read from (taken before the read: a newer one is read again). */
type VersionedManifest = LoadedManifest & { version: string | undefined };

async function loadManifest(dir: string, known?: LoadedManifest): Promise<VersionedManifest | undefined> {
  const version = fileVersion(join(dir, MANIFEST_FILE));
  let loaded: LoadedManifest;
  try {
    loaded = await loadManifestWithFacts(dir, known === undefined ? {} : { known });
  } catch (error) {
    if (!(error instanceof LibraryNotFoundError)) throw error;
    const files = (await namesIn(join(dir, SEGMENTS_DIR))).filter(
      (name) => name.endsWith('.arrow') && !name.startsWith('.'),
    );
    if (files.length === 0) return undefined;
    throw new OrphanedSegmentsError(
      `${join(dir, MANIFEST_FILE)} is missing, but ${join(dir, SEGMENTS_DIR)} holds ${files.length} segment file(s); nothing was changed. ${upperFirst(RECOVER)}`,
      { cause: error },
    );
  }
  const manifest = loaded.manifest;
  const problems = [
    ...manifestProblems(manifest, loaded.facts),
    ...(await segmentFileProblems(join(dir, SEGMENTS_DIR), manifest)),
  ];
  if (problems.length > 0) {
    throw new StoreError(`the library at ${dir} is damaged: ${problems.join('; ')}. Nothing was changed; ${RECOVER}`);
  }
  return { ...loaded, version };
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function assertNotAFile(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory())
      throw new InputError(
        `the library path ${dir} is not a directory; name a directory (an existing library, or a new path to create one)`,
      );
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR')
      throw new InputError(
        `the library path ${dir} is inside a file, not a directory; name a directory for the library`,
      );
    if (code !== 'ENOENT')
      throw new StoreError(`cannot open the library at ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

/** Size and checksum first, so a damaged file never reaches the Arrow decoder or a search. */
function checkBytes(path: string, bytes: Uint8Array, entry: SegmentFileEntry): void {
  if (bytes.byteLength !== entry.bytes) {
    throw new StoreError(
      `segment file ${path} is ${bytes.byteLength} bytes, but ${MANIFEST_FILE} recorded ${entry.bytes}: it is damaged (cut short or replaced); ${RECOVER}, without that file's segments`,
    );
  }
  if (entry.sha256 !== undefined && sha256Hex(bytes) !== entry.sha256) {
    throw new StoreError(
      `segment file ${path} does not match its sha256 in ${MANIFEST_FILE}: it is damaged, so its segments are not searched; restore it from a backup, or ${RECOVER} (without that file's segments)`,
    );
  }
}

function checkDecoded(path: string, file: SegmentFile, entry: SegmentFileEntry, dimension: number | null): void {
  const first = file.labels[0];
  const last = file.labels[file.count - 1];
  if (file.count !== entry.rows || first !== entry.minLabel || last !== entry.maxLabel) {
    throw new StoreError(
      `segment file ${path} holds ${file.count} rows with labels ${String(first)}-${String(last)}, but ${MANIFEST_FILE} lists ${entry.rows} rows with labels ${entry.minLabel}-${entry.maxLabel}; ${RECOVER}`,
    );
  }
  if (dimension !== null && file.dimension !== dimension)
    throw new StoreError(
      `segment file ${path} holds ${file.dimension}-d vectors in a ${dimension}-d library; ${RECOVER}`,
    );
}

/** Removes `dir` and its parents up to `first` (what one mkdir made), each only if empty. */
async function removeEmptyDirs(dir: string, made: string): Promise<void> {
  const first = resolve(made);
  let current = resolve(dir);
  for (;;) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    if (current === first || current.length <= first.length) return;
    current = dirname(current);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Bytes under `dir`; files that vanish while it counts (other writers' temp and lock files) count as 0. */
async function directorySize(dir: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else
      total += await stat(path).then(
        (info) => info.size,
        (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? 0 : Promise.reject(error)),
      );
  }
  return total;
}
