import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, StoreError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { emptyManifest, readManifest, writeManifest, DEFAULT_INDEX_SETTINGS, type IndexSettings, type Manifest, type SegmentFileEntry } from './manifest.js';
import type { SegmentFile } from './segment-file.js';
import type { SegmentRows } from './segment-rows.js';
import { concatRows, selectRows } from './select-rows.js';

export const SEGMENTS_DIR = 'segments';
const MAX_LABEL = 0xffff_ffff;

export interface OpenStoreOptions {
  create?: boolean;
  index?: Partial<IndexSettings>;
}

export interface SegmentLocation {
  file: SegmentFile;
  row: number;
}

/**
 * The library's source of truth: immutable Arrow segment files listed by a manifest
 * that is replaced atomically. A segment becomes visible only once its file and the
 * manifest naming it are both durable; files the manifest does not name are ignored.
 */
export class SegmentStore {
  readonly dir: string;
  #manifest: Manifest;
  readonly #files = new Map<string, Promise<SegmentFile>>();

  private constructor(dir: string, manifest: Manifest) {
    this.dir = dir;
    this.#manifest = manifest;
  }

  static async open(dir: string, options: OpenStoreOptions = {}): Promise<SegmentStore> {
    try {
      return new SegmentStore(dir, await readManifest(dir));
    } catch (error) {
      if (!options.create || (error as Error).name !== 'LibraryNotFoundError') throw error;
    }
    await mkdir(join(dir, SEGMENTS_DIR), { recursive: true });
    const manifest = emptyManifest(`lib_${randomBytes(12).toString('hex')}`, new Date(), { ...DEFAULT_INDEX_SETTINGS, ...definedOnly(options.index ?? {}) });
    await writeManifest(dir, manifest);
    return new SegmentStore(dir, manifest);
  }

  get manifest(): Readonly<Manifest> {
    return this.#manifest;
  }

  get fileNames(): string[] {
    return this.#manifest.segmentFiles.map((entry) => entry.name);
  }

  /** Loads (once) and returns a segment file named by the manifest. */
  file(name: string): Promise<SegmentFile> {
    let loading = this.#files.get(name);
    if (loading === undefined) {
      // Arrow (segment-file.js) loads with the first file read: searches that never read one skip it.
      loading = import('./segment-file.js').then(({ readSegmentFile }) => readSegmentFile(join(this.dir, SEGMENTS_DIR, name), name));
      loading.catch(() => this.#files.delete(name));
      this.#files.set(name, loading);
    }
    return loading;
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
   * Writes `rows` as a new segment file and commits it to the manifest, with the content
   * keys they embed (for dedupe). Returns the labels given.
   */
  async append(rows: SegmentRows, model: string, contents: Readonly<Record<string, string>> = {}): Promise<Uint32Array> {
    if (rows.count === 0) return new Uint32Array(0);
    const manifest = this.#manifest;
    if (manifest.model !== null && manifest.model !== model) {
      throw new InputError(`this library holds ${manifest.model} embeddings and these are ${model}; their spaces are not comparable, so build a separate library for them (--lib DIR)`);
    }
    if (manifest.dimension !== null && manifest.dimension !== rows.dimension) {
      throw new InputError(`this library holds ${manifest.dimension}-d embeddings and these are ${rows.dimension}-d; build a separate library for them (--lib DIR)`);
    }
    if (manifest.nextLabel + rows.count - 1 > MAX_LABEL) throw new StoreError('the library has used every uint32 label; rebuild it into a new library');
    const labels = new Uint32Array(rows.count);
    for (let i = 0; i < rows.count; i++) labels[i] = manifest.nextLabel + i;
    const entry = await this.#writeFile(rows, labels, model);
    const next: Manifest = {
      ...manifest,
      model,
      dimension: rows.dimension,
      nextLabel: manifest.nextLabel + rows.count,
      segmentFiles: [...manifest.segmentFiles, entry],
      videos: { ...manifest.videos },
      contents: { ...manifest.contents, ...contents },
    };
    for (let i = 0; i < rows.count; i++) {
      const id = rows.videoId[i] as string;
      const summary = next.videos[id] ?? { segments: 0, durationSec: 0 };
      next.videos[id] = { segments: summary.segments + 1, durationSec: Math.max(summary.durationSec, rows.endSec[i] as number) };
    }
    await this.#commit(next);
    return labels;
  }

  /** Removes every segment of `videoId` from the store; returns the labels it had. */
  async removeVideo(videoId: string): Promise<number[]> {
    const manifest = this.#manifest;
    if (manifest.videos[videoId] === undefined) throw new InputError(`no video ${JSON.stringify(videoId)} in this library; \`vsearch stats\` lists what it holds`);
    const removed: number[] = [];
    const segmentFiles: SegmentFileEntry[] = [];
    for (const entry of manifest.segmentFiles) {
      const file = await this.file(entry.name);
      const keep: number[] = [];
      for (let row = 0; row < file.count; row++) {
        if (file.string('video_id', row) === videoId) removed.push(file.labels[row] as number);
        else keep.push(row);
      }
      if (keep.length === file.count) segmentFiles.push(entry);
      else if (keep.length > 0) {
        const selected = selectRows(file, keep);
        segmentFiles.push(await this.#writeFile(selected.rows, selected.labels, file.model));
      }
    }
    const videos = { ...manifest.videos };
    delete videos[videoId];
    const contents = Object.fromEntries(Object.entries(manifest.contents).filter(([, holder]) => holder !== videoId));
    await this.#commit({ ...manifest, segmentFiles, videos, contents });
    return removed;
  }

  /** Every stored segment of a video, as a batch that can be appended again under another id. */
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
    await this.#commit({ ...this.#manifest, index: { ...settings } });
  }

  async bytesOnDisk(): Promise<number> {
    return directorySize(this.dir);
  }

  async #writeFile(rows: SegmentRows, labels: Uint32Array, model: string): Promise<SegmentFileEntry> {
    const name = `seg-${String(this.#manifest.generation + 1).padStart(6, '0')}-${randomBytes(4).toString('hex')}.arrow`;
    const { encodeSegmentFile } = await import('./segment-file.js');
    const bytes = encodeSegmentFile(rows, labels, model);
    await mkdir(join(this.dir, SEGMENTS_DIR), { recursive: true });
    await writeFileAtomic(join(this.dir, SEGMENTS_DIR, name), bytes);
    return { name, rows: rows.count, minLabel: labels[0] as number, maxLabel: labels[labels.length - 1] as number, bytes: bytes.byteLength };
  }

  async #commit(next: Manifest): Promise<void> {
    const segments = next.segmentFiles.reduce((sum, entry) => sum + entry.rows, 0);
    const committed: Manifest = {
      ...next,
      generation: this.#manifest.generation + 1,
      updatedAt: new Date().toISOString(),
      counts: { segments, videos: Object.keys(next.videos).length },
    };
    await writeManifest(this.dir, committed);
    this.#manifest = committed;
    await this.#removeUnlistedFiles();
  }

  /** Files left by a crash before their manifest commit, or replaced by `removeVideo`. */
  async #removeUnlistedFiles(): Promise<void> {
    const listed = new Set(this.fileNames);
    const present = await readdir(join(this.dir, SEGMENTS_DIR));
    for (const name of present) {
      if (listed.has(name)) continue;
      this.#files.delete(name);
      await rm(join(this.dir, SEGMENTS_DIR, name), { force: true });
    }
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await directorySize(path) : (await stat(path)).size;
  }
  return total;
}
