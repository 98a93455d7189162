import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { BuildSummary } from '../build/build-types.js';
import { ASSET_SCHEME, isUrl } from '../build/discover-inputs.js';
import { AbortError, InputError } from '../errors.js';
import type { Library } from '../library/index.js';
import { writeFileAtomic } from '../store/index.js';
import type { Metadata } from '../types.js';
import { checkUpload } from './check-upload.js';
import type { TaskError } from './upload-requirements.js';

/** The statuses of an upload task, as the API names them. */
export type UploadTaskStatus = 'validating' | 'pending' | 'indexing' | 'ready' | 'failed';

export interface UploadTask {
  id: string;
  index_id: string;
  status: UploadTaskStatus;
  /** Known once the task is ready (or when a duplicate names the video holding its content). */
  video_id?: string;
  /** A local file (already on disk), an http(s) URL, or `asset://<asset_id>` (an indexed asset). */
  source: string;
  /** The upstream asset it indexes (`/indexes/{id}/indexed-assets`). */
  asset_id?: string;
  user_metadata: Metadata;
  system_metadata?: {
    filename: string;
    duration?: number;
    fps?: number;
    width?: number;
    height?: number;
    size?: number;
  };
  error?: TaskError;
  created_at: string;
  updated_at: string;
}

export interface CreateUploadTask {
  /** A file already on disk; it must stay there until the task is ready or failed. */
  file?: string | undefined;
  videoUrl?: string | undefined;
  /** An asset the upstream API holds, checked already: its facts are the task's system_metadata. */
  asset?: { id: string; facts: NonNullable<UploadTask['system_metadata']> } | undefined;
  userMetadata?: Metadata | undefined;
  /** The video id; the file's (or URL's) name by default. */
  videoId?: string | undefined;
}

export interface UploadTaskQueueOptions {
  /** The library's model, for a library that holds none yet. */
  model?: string | undefined;
  clipLengthSec?: number | undefined;
  /** Largest file accepted (default 2 GB, the documented limit of an upload). */
  maxFileBytes?: number | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

export const TASKS_DIR = 'tasks';
const UNFINISHED: ReadonlySet<UploadTaskStatus> = new Set(['validating', 'pending', 'indexing']);

/**
 * A library's upload tasks: each file or URL is checked against the documented prerequisites,
 * then embedded and stored by the build pipeline, one task at a time, in the background. Every
 * status change is written to `tasks/` in the library before it is acted on, and the build
 * journals its embed tasks, so a queue started again after a crash (even SIGKILL) finishes
 * the unfinished tasks without paying for an embedding twice. One queue per library.
 */
export class UploadTaskQueue {
  readonly #lib: Library;
  readonly #dir: string;
  readonly #options: UploadTaskQueueOptions;
  readonly #tasks = new Map<string, UploadTask>();
  readonly #abort = new AbortController();
  #running: string | undefined;
  #work: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(lib: Library, options: UploadTaskQueueOptions) {
    this.#lib = lib;
    this.#dir = join(lib.dir, TASKS_DIR);
    this.#options = options;
  }

  /** Opens the library's queue and resumes the tasks a previous process left unfinished. */
  static async open(lib: Library, options: UploadTaskQueueOptions = {}): Promise<UploadTaskQueue> {
    const queue = new UploadTaskQueue(lib, options);
    await mkdir(queue.#dir, { recursive: true });
    for (const name of (await readdir(queue.#dir)).filter((entry) => entry.endsWith('.json')).sort()) {
      const path = join(queue.#dir, name);
      try {
        const task = JSON.parse(await readFile(path, 'utf8')) as UploadTask;
        queue.#tasks.set(task.id, task);
      } catch (error) {
        options.onWarning?.(
          `cannot read the upload task ${path} (${error instanceof Error ? error.message : String(error)}); it is left as it is`,
        );
      }
    }
    queue.#kick();
    return queue;
  }

  /** Records a task (status validating) and returns it; it runs in the background. */
  async create(input: CreateUploadTask): Promise<UploadTask> {
    if (this.#closed) throw new InputError('the upload task queue is closed');
    const { file, videoUrl, asset } = input;
    if ([file, videoUrl, asset].filter((given) => given !== undefined).length !== 1)
      throw new InputError('an upload task takes exactly one of a file, a video URL and an asset');
    if (videoUrl !== undefined && !isUrl(videoUrl))
      throw new InputError(`the video URL must be an http(s) URL, got ${JSON.stringify(videoUrl)}`);
    const source =
      asset !== undefined ? `${ASSET_SCHEME}${asset.id}` : file === undefined ? (videoUrl as string) : resolve(file);
    const now = new Date().toISOString();
    const task: UploadTask = {
      id: `${Date.now().toString(16)}${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      index_id: this.#lib.manifest.id,
      status: 'validating',
      source,
      user_metadata: input.userMetadata ?? {},
      created_at: now,
      updated_at: now,
    };
    if (input.videoId !== undefined) task.video_id = input.videoId;
    if (asset !== undefined) {
      task.asset_id = asset.id;
      task.system_metadata = { ...asset.facts };
    }
    await this.#save(task);
    this.#kick();
    return { ...task };
  }

  list(): UploadTask[] {
    return [...this.#tasks.values()]
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .map((task) => ({ ...task }));
  }

  retrieve(id: string): UploadTask {
    const task = this.#tasks.get(id);
    if (task === undefined) throw new InputError(`no upload task ${JSON.stringify(id)} in this library`);
    return { ...task };
  }

  /** Deletes a task: a queued one is cancelled; a running one cannot be. */
  async cancel(id: string): Promise<UploadTask> {
    const task = this.retrieve(id);
    if (this.#running === id)
      throw new InputError(`upload task ${id} is ${task.status} and cannot be cancelled now; wait for it to end`);
    this.#tasks.delete(id);
    await rm(this.#path(id), { force: true });
    return task;
  }

  /** Resolves when no unfinished task is left (or the queue is closed). */
  async idle(): Promise<void> {
    for (;;) {
      const work = this.#work;
      await work;
      if (work === this.#work) return;
    }
  }

  /** Stops after the running step; unfinished tasks stay journaled for the next queue. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    await this.#work.catch(() => undefined);
  }

  #path(id: string): string {
    return join(this.#dir, `${id}.json`);
  }

  async #save(task: UploadTask): Promise<void> {
    task.updated_at = new Date().toISOString();
    await writeFileAtomic(this.#path(task.id), `${JSON.stringify(task, null, 2)}\n`);
    this.#tasks.set(task.id, task);
  }

  #kick(): void {
    this.#work = this.#work.catch(() => undefined).then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const next = [...this.#tasks.values()]
        .filter((task) => UNFINISHED.has(task.status))
        .sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
      if (next === undefined) return;
      this.#running = next.id;
      try {
        await this.#run(next);
      } catch (error) {
        if (this.#closed && (error instanceof AbortError || this.#abort.signal.aborted)) return;
        if (this.#tasks.has(next.id))
          await this.#fail(next, {
            code: 'internal_error',
            message: error instanceof Error ? error.message : String(error),
          });
      } finally {
        this.#running = undefined;
      }
    }
  }

  async #fail(task: UploadTask, error: TaskError): Promise<void> {
    task.status = 'failed';
    task.error = error;
    await this.#save(task);
  }

  async #run(task: UploadTask): Promise<void> {
    if (task.status === 'validating') {
      const problem = await this.#validate(task);
      if (problem !== undefined) return this.#fail(task, problem);
      task.status = 'pending';
      await this.#save(task);
    }
    if (task.status === 'pending') {
      task.status = 'indexing';
      await this.#save(task);
    }
    const videoId =
      task.video_id ?? (isUrl(task.source) ? basename(new URL(task.source).pathname) : basename(task.source));
    const input = join(this.#dir, `${task.id}.input.jsonl`);
    const from = task.asset_id === undefined ? { source: task.source } : { asset_id: task.asset_id };
    await writeFileAtomic(input, `${JSON.stringify({ ...from, video_id: videoId, metadata: task.user_metadata })}\n`);
    let summary: BuildSummary;
    try {
      summary = await this.#lib.build([input], {
        model: this.#options.model,
        clipLengthSec: this.#options.clipLengthSec,
        concurrency: 1,
        signal: this.#abort.signal,
        onWarning: this.#options.onWarning,
      });
    } finally {
      if (!this.#abort.signal.aborted) await rm(input, { force: true });
    }
    const refused = summary.failures[0] ?? summary.skipped[0];
    if (refused !== undefined) return this.#fail(task, { code: 'indexing_failed', message: refused.reason });
    task.status = 'ready';
    task.video_id = summary.duplicates[0]?.video_id ?? videoId;
    await this.#save(task);
  }

  /** The prerequisites, from the file itself; a URL is not fetched here, so the upstream API judges it. */
  async #validate(task: UploadTask): Promise<TaskError | undefined> {
    // An asset was checked against the prerequisites when its task was made, from the assets API's facts.
    if (task.asset_id !== undefined) return undefined;
    if (isUrl(task.source)) {
      task.system_metadata = { filename: basename(new URL(task.source).pathname) };
      return undefined;
    }
    const { facts, problem } = await checkUpload(task.source, this.#options.maxFileBytes);
    task.system_metadata = facts;
    return problem;
  }
}
