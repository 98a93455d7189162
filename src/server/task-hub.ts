import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HttpFailure } from '../http/index.js';
import type { Library, LibraryRoot, RootIndex } from '../library/index.js';
import {
  assetFacts,
  assetProblem,
  type CreateUploadTask,
  TASKS_DIR,
  type UploadTask,
  UploadTaskQueue,
} from '../tasks/index.js';
import { indexNotExists } from './index-source.js';

/** Where uploaded files wait for their task, inside the index's library (next to the task records). */
const UPLOADS_DIR = 'uploads';

interface OpenQueue {
  lib: Library;
  queue: UploadTaskQueue;
}

export interface TaskHubOptions {
  /** Largest uploaded file a task accepts, bytes. */
  maxFileBytes: number;
  onWarning?: ((message: string) => void) | undefined;
}

/** A file name safe to keep on disk; it becomes the video's system_metadata.filename. */
function safeName(name: string): string {
  const cleaned = basename(name)
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return cleaned === '' ? 'video' : cleaned;
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/** Deletes a task's upload folder, only when it is one this hub made (tasks/uploads/<id>/<file>). */
async function removeUpload(lib: Library, task: UploadTask): Promise<void> {
  const folder = dirname(task.source);
  if (dirname(folder) === join(lib.dir, TASKS_DIR, UPLOADS_DIR)) await rm(folder, { recursive: true, force: true });
}

/**
 * The upload tasks of every index under a root: one UploadTaskQueue per library, opened when a
 * task is made for it, and at start for every library that holds task records (so a server
 * killed mid-task finishes it once started again). The uploads are kept in the library until
 * their task is ready or failed.
 */
export class TaskHub {
  readonly #root: LibraryRoot;
  readonly #options: TaskHubOptions;
  readonly #queues = new Map<string, Promise<OpenQueue>>();

  private constructor(root: LibraryRoot, options: TaskHubOptions) {
    this.#root = root;
    this.#options = options;
  }

  static async open(root: LibraryRoot, options: TaskHubOptions): Promise<TaskHub> {
    const hub = new TaskHub(root, options);
    for (const index of await root.indexes()) {
      const records = await readdir(join(index.dir, TASKS_DIR)).catch(() => []);
      if (records.some((name) => name.endsWith('.json'))) await hub.#queue(index);
    }
    return hub;
  }

  async #queue(index: RootIndex): Promise<OpenQueue> {
    let opening = this.#queues.get(index.id);
    if (opening === undefined) {
      opening = (async () => {
        const lib = await this.#root.openLibrary(index);
        try {
          const queue = await UploadTaskQueue.open(lib, {
            model: index.model,
            maxFileBytes: this.#options.maxFileBytes,
            onWarning: this.#options.onWarning,
          });
          return { lib, queue };
        } catch (error) {
          await lib.close();
          throw error;
        }
      })();
      opening.catch(() => this.#queues.delete(index.id));
      this.#queues.set(index.id, opening);
    }
    return opening;
  }

  async #index(id: string): Promise<RootIndex> {
    const found = (await this.#root.indexes()).find((index) => index.id === id);
    if (found === undefined)
      throw indexNotExists(id, `List the indexes (GET /v1.3/indexes) for the ids under ${this.#root.dir}.`);
    return found;
  }

  /** Records a task for an index; an uploaded file (a spool file) is moved into the library first. */
  async create(
    indexId: string,
    input: {
      upload?: { path: string; filename: string } | undefined;
      videoUrl?: string | undefined;
      userMetadata: CreateUploadTask['userMetadata'];
    },
  ): Promise<UploadTask> {
    const { lib, queue } = await this.#queue(await this.#index(indexId));
    const videoId = randomBytes(12).toString('hex');
    if (input.upload === undefined)
      return queue.create({ videoUrl: input.videoUrl, userMetadata: input.userMetadata, videoId });
    const dir = join(lib.dir, TASKS_DIR, UPLOADS_DIR, videoId);
    const file = join(dir, safeName(input.upload.filename));
    await mkdir(dir, { recursive: true });
    try {
      await moveFile(input.upload.path, file);
      return await queue.create({ file, userMetadata: input.userMetadata, videoId });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Records a task that indexes an asset of the upstream API (once per asset): the asset is looked up there first
   * (404 when unknown) and checked against the prerequisites (400 with the API's code), so a task
   * exists only for an asset that can be indexed.
   */
  async createFromAsset(
    indexId: string,
    assetId: string,
    userMetadata: CreateUploadTask['userMetadata'],
    signal: AbortSignal,
  ): Promise<UploadTask> {
    const { lib, queue } = await this.#queue(await this.#index(indexId));
    // The same asset again is the indexed asset it already is (unless that one failed).
    const known = queue.list().find((task) => task.asset_id === assetId && task.status !== 'failed');
    if (known !== undefined) return known;
    const asset = await lib.upstreamAsset(assetId, { signal });
    if (asset === undefined)
      throw new HttpFailure(
        404,
        'resource_not_exist',
        `The upstream API has no asset ${JSON.stringify(assetId)}; upload it with POST /v1.3/assets (through this server or directly) and index it once it is ready.`,
      );
    const problem = assetProblem(asset);
    if (problem !== undefined) throw new HttpFailure(400, problem.code, problem.message, { field: 'asset_id' });
    const videoId = randomBytes(12).toString('hex');
    return queue.create({ asset: { id: asset.id, facts: assetFacts(asset) }, userMetadata, videoId });
  }

  /** The library of an index and its asset tasks (indexed assets), newest first. */
  async indexedAssets(indexId: string): Promise<{ lib: Library; tasks: UploadTask[] }> {
    const { lib, queue } = await this.#queue(await this.#index(indexId));
    return { lib, tasks: queue.list().filter((task) => task.asset_id !== undefined) };
  }

  async #open(): Promise<OpenQueue[]> {
    const settled = await Promise.allSettled([...this.#queues.values()]);
    return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  async list(): Promise<UploadTask[]> {
    return (await this.#open()).flatMap(({ queue }) => queue.list());
  }

  async #owner(taskId: string): Promise<OpenQueue | undefined> {
    for (const open of await this.#open()) if (open.queue.list().some((task) => task.id === taskId)) return open;
    return undefined;
  }

  async retrieve(taskId: string): Promise<UploadTask | undefined> {
    return (await this.#owner(taskId))?.queue.retrieve(taskId);
  }

  /** Cancels a task not yet running, and removes its upload. */
  async cancel(taskId: string): Promise<UploadTask | undefined> {
    const owner = await this.#owner(taskId);
    if (owner === undefined) return undefined;
    const task = await owner.queue.cancel(taskId);
    await removeUpload(owner.lib, task);
    return task;
  }

  /** Removes the upload of a task that has ended (ready or failed): nothing reads it any more. */
  async settle(task: UploadTask): Promise<void> {
    if (task.status !== 'ready' && task.status !== 'failed') return;
    const owner = await this.#owner(task.id);
    if (owner !== undefined) await removeUpload(owner.lib, task);
  }

  /** Stops an index's queue (before the index is deleted); its unfinished tasks stay journaled. */
  async closeIndex(indexId: string): Promise<void> {
    const opening = this.#queues.get(indexId);
    this.#queues.delete(indexId);
    if (opening === undefined) return;
    const open = await opening.catch(() => undefined);
    if (open === undefined) return;
    await open.queue.close();
    await open.lib.close();
  }

  async close(): Promise<void> {
    for (const id of [...this.#queues.keys()]) await this.closeIndex(id);
  }
}

/** The server's task hub, which only a root (`--root`) has; `what` says what the request wanted. */
export function taskHubOf(tasks: TaskHub | undefined, what: string): TaskHub {
  if (tasks === undefined)
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `This server serves one library (vsearch serve --lib); serve a folder of libraries with vsearch serve --root to ${what}.`,
    );
  return tasks;
}
