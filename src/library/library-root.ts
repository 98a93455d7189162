import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexNameTakenError, InputError, LibraryNotFoundError, UnknownIndexError } from '../errors.js';
import { acquireWriteLock } from '../store/library-lock.js';
import { MANIFEST_FILE, type Manifest } from '../store/manifest.js';
import { SegmentStore } from '../store/segment-store.js';
import { loadManifestWithFacts } from '../store/video-facts-load.js';
import {
  apiModelName,
  checkAddons,
  checkIndexModels,
  checkIndexName,
  embeddingModelOf,
  type IndexInfo,
  type IndexModel,
  readIndexInfo,
  updateIndexInfo,
} from './index-info.js';
import { type Library, type OpenLibraryOptions, openLibrary } from './library.js';

/** One library of a root, as an index: where it is, its id (the manifest's) and its index facts. */
export interface RootIndex {
  id: string;
  dir: string;
  info: IndexInfo;
  videoCount: number;
  /** Seconds: the sum of its videos' durations. */
  totalDuration: number;
  /** The vsearch model its segments were embedded with, or that its index asks for. */
  model: string | undefined;
}

export interface CreateIndexRequest {
  name: unknown;
  models: unknown;
  addons?: unknown;
}

/** A folder name for an index: its name's safe characters, else "index". */
function folderName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 64);
  return slug === '' ? 'index' : slug;
}

function describe(dir: string, manifest: Readonly<Manifest>, stored: IndexInfo | undefined, folder: string): RootIndex {
  const model = manifest.model ?? (stored === undefined ? undefined : embeddingModelOf(stored.models));
  const info: IndexInfo = stored ?? {
    index_name: folder,
    models:
      manifest.model === null ? [] : [{ model_name: apiModelName(manifest.model), model_options: ['visual', 'audio'] }],
    addons: [],
    created_at: manifest.createdAt,
    updated_at: manifest.updatedAt,
  };
  let totalDuration = 0;
  for (const video of Object.values(manifest.videos)) totalDuration += video.durationSec;
  return { id: manifest.id, dir, info, videoCount: manifest.counts.videos, totalDuration, model };
}

/**
 * A folder of libraries, each one an index (`vsearch serve --root DIR`): a library is any
 * direct subfolder holding a manifest.json; its index name, models and addons live in its
 * index.json (a library built by `vsearch build` has none and goes by its folder name).
 */
export class LibraryRoot {
  readonly dir: string;
  readonly #options: OpenLibraryOptions;

  private constructor(dir: string, options: OpenLibraryOptions) {
    this.dir = dir;
    this.#options = options;
  }

  /** Opens the root folder (created when `create` is set and it is missing); libraries open as they are asked for. */
  static async open(dir: string, options: OpenLibraryOptions = {}): Promise<LibraryRoot> {
    if (options.create === true) await mkdir(dir, { recursive: true });
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined || !info.isDirectory())
      throw new LibraryNotFoundError(
        `the library root ${dir} is not a folder; create it, or pass the folder that holds your libraries`,
      );
    return new LibraryRoot(dir, options);
  }

  /** Every library of the root, by creation time (oldest first). A damaged one is reported through onWarning and left out. */
  async indexes(): Promise<RootIndex[]> {
    const found: RootIndex[] = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = join(this.dir, entry.name);
      const hasManifest = await stat(join(dir, MANIFEST_FILE)).then(
        () => true,
        () => false,
      );
      if (!hasManifest) continue;
      try {
        found.push(describe(dir, (await loadManifestWithFacts(dir)).manifest, await readIndexInfo(dir), entry.name));
      } catch (error) {
        this.#options.onWarning?.(`${dir} is left out of the indexes: ${(error as Error).message}`);
      }
    }
    return found.sort((a, b) =>
      a.info.created_at < b.info.created_at ? -1 : a.info.created_at > b.info.created_at ? 1 : 0,
    );
  }

  async find(id: string): Promise<RootIndex> {
    const found = (await this.indexes()).find((index) => index.id === id);
    if (found === undefined)
      throw new UnknownIndexError(
        `no index ${JSON.stringify(id)} under ${this.dir}; list the indexes to see their ids`,
      );
    return found;
  }

  /** Opens an index's library with the root's options (its client, embedder, warnings). */
  openLibrary(index: Pick<RootIndex, 'dir'>): Promise<Library> {
    return openLibrary(index.dir, { ...this.#options, create: false });
  }

  /** A new empty library under the root, with its index facts; the name must be unused. */
  async create(request: CreateIndexRequest): Promise<RootIndex> {
    const name = checkIndexName(request.name);
    const models: IndexModel[] = checkIndexModels(request.models);
    const addons = checkAddons(request.addons);
    return this.#underRootLock(async () => {
      await this.#assertNameFree(name, undefined);
      return this.#createFree(name, models, addons);
    });
  }

  /**
   * Runs `work` holding the root's own writer lock (write.lock in the root folder): the name
   * check and the change it guards are one step for every process serving this root, so two
   * creates (or renames) of one name at once give one index and one IndexNameTakenError.
   */
  async #underRootLock<T>(work: () => Promise<T>): Promise<T> {
    const release = await acquireWriteLock(this.dir, {
      timeoutMs: this.#options.lockTimeoutMs,
      onWarning: this.#options.onWarning,
    });
    try {
      return await work();
    } finally {
      await release();
    }
  }

  async #createFree(name: string, models: IndexModel[], addons: string[]): Promise<RootIndex> {
    // Built in a hidden folder and renamed into place, so the root never lists half an index.
    const staging = join(this.dir, `.creating-${randomBytes(6).toString('hex')}`);
    try {
      const store = await SegmentStore.open(staging, {
        create: true,
        lock: { timeoutMs: this.#options.lockTimeoutMs },
      });
      await store.replaceIndexSettings(store.manifest.index);
      const now = new Date().toISOString();
      await updateIndexInfo(staging, () => ({ index_name: name, models, addons, created_at: now, updated_at: now }));
      const dir = await this.#freeFolder(folderName(name));
      await rename(staging, dir);
      return describe(dir, (await loadManifestWithFacts(dir)).manifest, await readIndexInfo(dir), dir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Renames an index (its index.json; the folder keeps its name). */
  async rename(id: string, name: unknown): Promise<RootIndex> {
    const checked = checkIndexName(name);
    return this.#underRootLock(async () => {
      const index = await this.find(id);
      await this.#assertNameFree(checked, id);
      const info = await updateIndexInfo(
        index.dir,
        (current) => ({ ...(current ?? index.info), index_name: checked, updated_at: new Date().toISOString() }),
        this.#options,
      );
      return { ...index, info };
    });
  }

  /**
   * Deletes an index and everything in its library. Taken under the library's writer lock, the
   * folder is first renamed out of the root's listing (so no reader finds it half-deleted), then removed.
   */
  async remove(id: string): Promise<void> {
    const index = await this.find(id);
    const release = await acquireWriteLock(index.dir, {
      timeoutMs: this.#options.lockTimeoutMs,
      onWarning: this.#options.onWarning,
    });
    const doomed = join(this.dir, `.deleting-${randomBytes(6).toString('hex')}`);
    try {
      await rename(index.dir, doomed);
    } finally {
      await release().catch(() => undefined);
    }
    await rm(doomed, { recursive: true, force: true });
  }

  async #assertNameFree(name: string, except: string | undefined): Promise<void> {
    const taken = (await this.indexes()).find((index) => index.info.index_name === name && index.id !== except);
    if (taken !== undefined)
      throw new IndexNameTakenError(
        `an index named ${JSON.stringify(name)} exists already (${taken.id}); choose another name`,
      );
  }

  async #freeFolder(base: string): Promise<string> {
    for (let n = 1; n < 1000; n++) {
      const dir = join(this.dir, n === 1 ? base : `${base}-${n}`);
      if (
        !(await stat(dir).then(
          () => true,
          () => false,
        ))
      )
        return dir;
    }
    throw new InputError(`no free folder name for ${JSON.stringify(base)} under ${this.dir}`);
  }
}

/** Opens the libraries of a root folder (see LibraryRoot). */
export function openLibraryRoot(dir: string, options: OpenLibraryOptions = {}): Promise<LibraryRoot> {
  return LibraryRoot.open(dir, options);
}
