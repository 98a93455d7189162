import { InputError, InvalidResponseError } from '../errors.js';
import type { CallOptions } from '../types.js';
import { type EmbeddingSegment, KNOWN_MODELS, type ModelName } from '../types.js';
import {
  type AnalyzeTask,
  type AnalyzeTaskInput,
  analyzeOutcome,
  buildAnalyzeRequest,
  parseAnalyzeTask,
} from './analyze.js';
import {
  type Asset,
  type AssetSource,
  assetOutcome,
  type CreateAssetOptions,
  createAsset,
  getAsset,
  parseAsset,
} from './assets.js';
import {
  buildV1EmbedForm,
  buildV1TaskForm,
  type EmbedTaskV1,
  type EmbedTaskV1Input,
  type EmbedV1Input,
  type EmbedV1Result,
  parseV1EmbedResponse,
  parseV1Task,
  type V1Source,
  v1StatusOutcome,
} from './embed-v1.js';
import {
  buildV2Request,
  type EmbedInput,
  type EmbedResult,
  type EmbedTaskV2,
  inputTypeOf,
  type MediaInput,
  parseV2EmbedResponse,
  parseV2Task,
  type V2Model,
  v2TaskOutcome,
  wireSource,
} from './embed-v2.js';
import {
  BASE64_LIMIT_BYTES,
  DIRECT_ASSET_LIMIT_BYTES,
  fileAsBase64,
  fileSize,
  type MediaKind,
  type MediaSource,
} from './media.js';
import {
  getUploadStatus,
  type MultipartUploadOptions,
  type MultipartUploadResult,
  multipartUpload,
} from './multipart-upload.js';
import { resolveClientOptions, type TwelveLabsClientOptions } from './options.js';
import { Paginator } from './paginate.js';
import { type PollOptions, poll } from './poller.js';
import { Transport } from './transport.js';
import { isRecord } from './wire-parse.js';
import type { WirePageInfo, WireV2MediaSource } from './wire-types.js';

export type { CallOptions };

export interface PollCallOptions extends CallOptions {
  /** Interval, backoff and overall deadline of the polling. */
  poll?: Omit<PollOptions, 'signal'> | undefined;
  /** Called as soon as the task exists: journal its id to resume instead of paying twice. */
  onTaskCreated?: ((task: { id: string; apiVersion: 'v1' | 'v2' }) => void) | undefined;
}

export interface ListOptions extends CallOptions {
  /** Default 1. */
  page?: number | undefined;
  /** Default 10, max 50. */
  pageLimit?: number | undefined;
  status?: string | undefined;
  /** Task lists: only tasks created at or after this RFC 3339 time. */
  startedAt?: string | undefined;
}

export interface ListAssetsOptions extends CallOptions {
  page?: number | undefined;
  pageLimit?: number | undefined;
  /** Only assets whose filename contains this (case-insensitive, per the API). */
  filename?: string | undefined;
}

export interface UploadAssetOptions extends CreateAssetOptions, Omit<MultipartUploadOptions, 'filename'>, CallOptions {
  poll?: Omit<PollOptions, 'signal'> | undefined;
  /** Force a multipart session even under the 200 MB direct limit. */
  multipart?: boolean | undefined;
}

export type ApiVersion = 'v1' | 'v2';

const DEFAULT_MODEL: V2Model = 'marengo3.0';
const V1_DEFAULT_MODEL: ModelName = 'Marengo-retrieval-2.7';

function isKnownModel(name: string | undefined): name is ModelName {
  return name !== undefined && (KNOWN_MODELS as readonly string[]).includes(name);
}

/** The model decides the API version (Marengo 2.7 is v1-only; marengo3.x is v2) unless the caller says otherwise. */
export function apiVersionFor(model: ModelName, override?: ApiVersion): ApiVersion {
  return override ?? (model === 'Marengo-retrieval-2.7' ? 'v1' : 'v2');
}

function invalidScope(scope: string): never {
  throw new InputError(`embedding scope ${JSON.stringify(scope)} is not clip, asset or video`);
}

function checkModel(model: string): ModelName {
  if (!isKnownModel(model))
    throw new InputError(`unknown model ${JSON.stringify(model)}; use one of ${KNOWN_MODELS.join(', ')}`);
  return model;
}

function asV2Model(model: ModelName): V2Model {
  if (model === 'Marengo-retrieval-2.7')
    throw new InputError(
      'Marengo-retrieval-2.7 is served by the v1 embed API only; leave apiVersion unset or use marengo3.0',
    );
  return model;
}

function pageLoader<T>(
  transport: Transport,
  path: string,
  options: ListOptions,
  parse: (item: unknown, where: string) => T,
  extraQuery: Record<string, string | undefined> = {},
): Paginator<T> {
  return new Paginator<T>(
    async (page, signal) => {
      const res = await transport.request({
        method: 'GET',
        path,
        query: {
          page,
          page_limit: options.pageLimit,
          status: options.status,
          started_at: options.startedAt,
          ...extraQuery,
        },
        signal,
      });
      const body = isRecord(res.data) ? res.data : {};
      const data = Array.isArray(body['data']) ? body['data'] : [];
      const pageInfo = isRecord(body['page_info']) ? (body['page_info'] as WirePageInfo) : undefined;
      return { items: data.map((item, i) => parse(item, `GET ${path} page ${page} data[${i}]`)), pageInfo };
    },
    options.page ?? 1,
    options.signal,
  );
}

/**
 * The TwelveLabs client: sync embeds, async embed tasks (v2 and v1), assets and multipart uploads,
 * analyze tasks. One options object at construction; every call takes a trailing `{ signal }`.
 * All calls of one client share one keep-alive pool and one concurrency bound.
 */
export class TwelveLabsClient {
  readonly baseUrl: string;
  readonly #transport: Transport;

  constructor(options: TwelveLabsClientOptions = {}) {
    const resolved = resolveClientOptions(options);
    this.baseUrl = resolved.baseUrl;
    this.#transport = new Transport(resolved);
  }

  /** Release the connection pool. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  // ---------------------------------------------------------------- routing

  /** Embed text, an image, text+image, or short audio/video synchronously, on the API version the model implies. */
  async embed(input: EmbedInput, options: CallOptions = {}): Promise<EmbedResult> {
    const model = checkModel(input.model ?? DEFAULT_MODEL);
    if (apiVersionFor(model, input.apiVersion) === 'v2') return this.embedV2(input, options);
    const type = inputTypeOf(input);
    const v1: EmbedV1Input = { model };
    if (type === 'text') v1.text = input.text;
    else if (type === 'image') v1.image = this.v1Source(input.image as MediaSource, 'image');
    else if (type === 'audio') {
      const audio = input.audio as MediaInput;
      v1.audio = { ...this.v1Source(audio, 'audio'), startSec: audio.startSec };
    } else if (type === 'video')
      throw new InputError('the v1 API embeds video only through tasks: use embedTaskAndPoll({ video })');
    else throw new InputError('the v1 API has no text_image input; use marengo3.0');
    const result = await this.embedV1(v1, options);
    const segments = result.text ?? result.image ?? result.audio ?? [];
    return { model, apiVersion: 'v1', segments, metadata: undefined };
  }

  /** Embed audio or video (up to 4 h) through an async task and wait for it; local files too big to inline become assets. */
  async embedTaskAndPoll(input: EmbedInput, options: PollCallOptions = {}): Promise<EmbedResult> {
    const model = checkModel(input.model ?? DEFAULT_MODEL);
    const type = inputTypeOf(input, 'embed task');
    if (apiVersionFor(model, input.apiVersion) === 'v1') {
      if (type !== 'video') throw new InputError(`the v1 API runs tasks for video only, not ${type}`);
      const video = input.video as MediaInput;
      // v2 calls the whole-file scope `asset`, v1 `video`; anything else is refused by the form builder.
      const scopes = video.embeddingScope?.map((s): 'clip' | 'video' =>
        s === 'asset' || s === 'video' ? 'video' : s === 'clip' ? 'clip' : invalidScope(s),
      );
      const task = await this.createEmbedTaskV1(
        {
          model,
          video: this.v1Source(video, 'video'),
          startSec: video.startSec,
          endSec: video.endSec,
          clipLengthSec: video.clipLengthSec,
          scopes,
        },
        options,
      );
      options.onTaskCreated?.({ id: task.id, apiVersion: 'v1' });
      const segments = await this.waitForEmbedTaskV1(task.id, { ...options, model });
      return { model, apiVersion: 'v1', segments, metadata: undefined };
    }
    const task = await this.createEmbedTask({ ...input, model }, options);
    options.onTaskCreated?.({ id: task.id, apiVersion: 'v2' });
    const segments = await this.waitForEmbedTask(task.id, { ...options, model: asV2Model(model) });
    return { model, apiVersion: 'v2', segments, metadata: undefined };
  }

  // ---------------------------------------------------------------- v2

  /** POST /embed-v2. */
  async embedV2(input: EmbedInput, options: CallOptions = {}): Promise<EmbedResult> {
    const model = asV2Model(checkModel(input.model ?? DEFAULT_MODEL));
    const type = inputTypeOf(input);
    const source = await this.v2Source(input, 'sync', options.signal);
    const res = await this.#transport.request({
      method: 'POST',
      path: '/embed-v2',
      json: buildV2Request(input, model, source),
      signal: options.signal,
    });
    return parseV2EmbedResponse(res.data, model, type);
  }

  /** POST /embed-v2/tasks (audio or video). A local file over the inline limit is uploaded as an asset first. */
  async createEmbedTask(input: EmbedInput, options: CallOptions = {}): Promise<EmbedTaskV2> {
    const model = asV2Model(checkModel(input.model ?? DEFAULT_MODEL));
    const type = inputTypeOf(input, 'embed task');
    if (type !== 'audio' && type !== 'video')
      throw new InputError(`embed tasks take audio or video, not ${type}; use embed()`);
    const source = await this.v2Source(input, 'task', options.signal);
    const res = await this.#transport.request({
      method: 'POST',
      path: '/embed-v2/tasks',
      json: buildV2Request(input, model, source),
      signal: options.signal,
    });
    return parseV2Task(res.data, model, 'POST /embed-v2/tasks');
  }

  /** GET /embed-v2/tasks/{id}. */
  async getEmbedTask(
    taskId: string,
    options: CallOptions & { model?: V2Model | undefined } = {},
  ): Promise<EmbedTaskV2> {
    const path = `/embed-v2/tasks/${encodeURIComponent(taskId)}`;
    const res = await this.#transport.request({ method: 'GET', path, signal: options.signal });
    const named = isRecord(res.data) && typeof res.data['model_name'] === 'string' ? res.data['model_name'] : undefined;
    const model = options.model ?? (isKnownModel(named) && named !== 'Marengo-retrieval-2.7' ? named : DEFAULT_MODEL);
    return parseV2Task(res.data, model, `GET ${path}`);
  }

  /** GET /embed-v2/tasks: iterate tasks (`for await`), or `.pages()`. */
  listEmbedTasks(options: ListOptions = {}): Paginator<EmbedTaskV2> {
    return pageLoader(this.#transport, '/embed-v2/tasks', options, (item, where) =>
      parseV2Task(item, DEFAULT_MODEL, where),
    );
  }

  /** Poll a v2 task to ready and return its segments; failed -> TaskFailedError, deadline -> TimeoutError. */
  async waitForEmbedTask(
    taskId: string,
    options: PollCallOptions & { model?: V2Model | undefined } = {},
  ): Promise<EmbeddingSegment[]> {
    return poll(
      `embed task ${taskId}`,
      async (signal) => v2TaskOutcome(await this.getEmbedTask(taskId, { signal, model: options.model })),
      { ...options.poll, signal: options.signal },
    );
  }

  // ---------------------------------------------------------------- v1

  /** POST /embed (multipart): any of text, image, audio at once. */
  async embedV1(input: EmbedV1Input, options: CallOptions = {}): Promise<EmbedV1Result> {
    const model = checkModel(input.model ?? V1_DEFAULT_MODEL);
    const form = await buildV1EmbedForm(input, model);
    const res = await this.#transport.request({
      method: 'POST',
      path: '/embed',
      body: form,
      timeoutMs: this.#transport.options.uploadTimeoutMs,
      signal: options.signal,
    });
    return parseV1EmbedResponse(res.data, model);
  }

  /** POST /embed/tasks (multipart); a local video is streamed from disk, never held in memory. */
  async createEmbedTaskV1(input: EmbedTaskV1Input, options: CallOptions = {}): Promise<EmbedTaskV1> {
    const model = checkModel(input.model ?? V1_DEFAULT_MODEL);
    const form = await buildV1TaskForm(input, model);
    const res = await this.#transport.request({
      method: 'POST',
      path: '/embed/tasks',
      body: form,
      timeoutMs: this.#transport.options.uploadTimeoutMs,
      signal: options.signal,
    });
    return parseV1Task(res.data, model, 'POST /embed/tasks');
  }

  /** GET /embed/tasks/{id}/status. */
  async getEmbedTaskStatusV1(taskId: string, options: CallOptions = {}): Promise<EmbedTaskV1> {
    const path = `/embed/tasks/${encodeURIComponent(taskId)}/status`;
    const res = await this.#transport.request({ method: 'GET', path, signal: options.signal });
    return parseV1Task(res.data, V1_DEFAULT_MODEL, `GET ${path}`);
  }

  /** GET /embed/tasks/{id}: the task with its segments once ready. */
  async getEmbedTaskV1(
    taskId: string,
    options: CallOptions & { model?: ModelName | undefined; embeddingOption?: readonly string[] | undefined } = {},
  ): Promise<EmbedTaskV1> {
    const path = `/embed/tasks/${encodeURIComponent(taskId)}`;
    const res = await this.#transport.request({
      method: 'GET',
      path,
      query: { embedding_option: options.embeddingOption },
      signal: options.signal,
    });
    const named = isRecord(res.data) && typeof res.data['model_name'] === 'string' ? res.data['model_name'] : undefined;
    const model = options.model ?? (isKnownModel(named) ? named : V1_DEFAULT_MODEL);
    return parseV1Task(res.data, model, `GET ${path}`);
  }

  /** GET /embed/tasks. */
  listEmbedTasksV1(options: ListOptions = {}): Paginator<EmbedTaskV1> {
    return pageLoader(this.#transport, '/embed/tasks', options, (item, where) =>
      parseV1Task(item, V1_DEFAULT_MODEL, where),
    );
  }

  /** Poll a v1 task's status to ready, then fetch its segments. */
  async waitForEmbedTaskV1(
    taskId: string,
    options: PollCallOptions & { model?: ModelName | undefined } = {},
  ): Promise<EmbeddingSegment[]> {
    await poll(
      `embed task ${taskId}`,
      async (signal) => v1StatusOutcome(await this.getEmbedTaskStatusV1(taskId, { signal })),
      {
        ...options.poll,
        signal: options.signal,
      },
    );
    const task = await this.getEmbedTaskV1(taskId, { signal: options.signal, model: options.model });
    if (task.segments === undefined)
      throw new InvalidResponseError(`GET /embed/tasks/${taskId}: the task is ready but carries no segments`);
    return task.segments;
  }

  /** Create a v1 video task and wait for its segments. */
  async embedTaskV1AndPoll(input: EmbedTaskV1Input, options: PollCallOptions = {}): Promise<EmbeddingSegment[]> {
    const task = await this.createEmbedTaskV1(input, options);
    options.onTaskCreated?.({ id: task.id, apiVersion: 'v1' });
    return this.waitForEmbedTaskV1(task.id, { ...options, model: input.model ?? V1_DEFAULT_MODEL });
  }

  // ---------------------------------------------------------------- assets

  /** POST /assets: a local file up to 200 MB (streamed) or a URL. The asset starts `processing`. */
  async createAsset(source: AssetSource, options: CreateAssetOptions & CallOptions = {}): Promise<Asset> {
    return createAsset(this.#transport, source, options, options.signal);
  }

  /** GET /assets/{id}. */
  async getAsset(assetId: string, options: CallOptions = {}): Promise<Asset> {
    return getAsset(this.#transport, assetId, options.signal);
  }

  /** GET /assets, newest first; `filename` narrows it to names containing that text. */
  listAssets(options: ListAssetsOptions = {}): Paginator<Asset> {
    return pageLoader(
      this.#transport,
      '/assets',
      { page: options.page, pageLimit: options.pageLimit, signal: options.signal },
      (item, where) => parseAsset(item, where),
      {
        filename: options.filename,
      },
    );
  }

  /** Poll an asset to `ready`; `failed` -> TaskFailedError. */
  async waitForAsset(
    assetId: string,
    options: CallOptions & { poll?: Omit<PollOptions, 'signal'> | undefined } = {},
  ): Promise<Asset> {
    return poll(`asset ${assetId}`, async (signal) => assetOutcome(await getAsset(this.#transport, assetId, signal)), {
      ...options.poll,
      signal: options.signal,
    });
  }

  /** Multipart upload session for a large local file (to 10 GB); resumable with `{ resume: session }`. Does not wait for `ready`. */
  async uploadMultipart(
    path: string,
    options: MultipartUploadOptions & CallOptions = {},
  ): Promise<MultipartUploadResult> {
    return multipartUpload(this.#transport, path, options, options.signal);
  }

  /** GET /assets/multipart-uploads/{id}: session status and acknowledged chunks. */
  async getUploadStatus(
    uploadId: string,
    options: CallOptions = {},
  ): Promise<{ status: string; completed: Set<number>; failed: Set<number> }> {
    return getUploadStatus(this.#transport, uploadId, options.signal);
  }

  /** Upload a local file the right way for its size (direct up to 200 MB, else multipart) and wait until the asset is ready. */
  async uploadAsset(path: string, options: UploadAssetOptions = {}): Promise<Asset> {
    const size = await fileSize(path, 'asset upload');
    let assetId: string;
    if (options.multipart === true || options.resume !== undefined || size > DIRECT_ASSET_LIMIT_BYTES) {
      assetId = (await multipartUpload(this.#transport, path, options, options.signal)).assetId;
    } else {
      assetId = (await createAsset(this.#transport, { file: path }, options, options.signal)).id;
    }
    return this.waitForAsset(assetId, { signal: options.signal, poll: options.poll ?? { intervalMs: 500 } });
  }

  // ---------------------------------------------------------------- analyze

  /** POST /analyze/tasks. */
  async createAnalyzeTask(input: AnalyzeTaskInput, options: CallOptions = {}): Promise<{ id: string; status: string }> {
    const res = await this.#transport.request({
      method: 'POST',
      path: '/analyze/tasks',
      json: buildAnalyzeRequest(input),
      signal: options.signal,
    });
    const body = isRecord(res.data) ? res.data : {};
    const id =
      typeof body['task_id'] === 'string' ? body['task_id'] : typeof body['_id'] === 'string' ? body['_id'] : undefined;
    if (id === undefined) throw new InvalidResponseError('POST /analyze/tasks: the answer carries no task_id');
    return { id, status: typeof body['status'] === 'string' ? body['status'] : 'queued' };
  }

  /** GET /analyze/tasks/{id}; time_based_metadata results come back as timestamped segments. */
  async getAnalyzeTask(taskId: string, options: CallOptions = {}): Promise<AnalyzeTask> {
    const path = `/analyze/tasks/${encodeURIComponent(taskId)}`;
    const res = await this.#transport.request({ method: 'GET', path, signal: options.signal });
    return parseAnalyzeTask(res.data, `GET ${path}`);
  }

  /** GET /analyze/tasks. */
  listAnalyzeTasks(options: ListOptions = {}): Paginator<AnalyzeTask> {
    return pageLoader(this.#transport, '/analyze/tasks', options, (item, where) => parseAnalyzeTask(item, where));
  }

  /** DELETE /analyze/tasks/{id} (not while processing: 409). */
  async deleteAnalyzeTask(taskId: string, options: CallOptions = {}): Promise<void> {
    await this.#transport.request({
      method: 'DELETE',
      path: `/analyze/tasks/${encodeURIComponent(taskId)}`,
      signal: options.signal,
    });
  }

  async waitForAnalyzeTask(taskId: string, options: PollCallOptions = {}): Promise<AnalyzeTask> {
    return poll(
      `analysis task ${taskId}`,
      async (signal) => analyzeOutcome(await this.getAnalyzeTask(taskId, { signal })),
      { ...options.poll, signal: options.signal },
    );
  }

  async analyzeTaskAndPoll(input: AnalyzeTaskInput, options: PollCallOptions = {}): Promise<AnalyzeTask> {
    const task = await this.createAnalyzeTask(input, options);
    options.onTaskCreated?.({ id: task.id, apiVersion: 'v2' });
    return this.waitForAnalyzeTask(task.id, options);
  }

  // ---------------------------------------------------------------- media sources

  private v1Source(source: MediaSource, what: string): V1Source {
    if ('url' in source) return { url: source.url };
    if ('file' in source) return { file: source.file };
    throw new InputError(
      `${what}: the v1 API takes a url or a local file, not ${'assetId' in source ? 'an asset id' : 'base64 data'}`,
    );
  }

  /** Resolve a local file: inline base64 within the documented limit, else (tasks only) an uploaded asset. */
  private async v2Source(
    input: EmbedInput,
    mode: 'sync' | 'task',
    signal: AbortSignal | undefined,
  ): Promise<WireV2MediaSource | undefined> {
    const type = inputTypeOf(input);
    const source: MediaSource | undefined =
      type === 'image'
        ? input.image
        : type === 'text_image'
          ? input.textImage?.image
          : type === 'audio'
            ? input.audio
            : type === 'video'
              ? input.video
              : undefined;
    if (source === undefined) return undefined;
    if (!('file' in source)) return wireSource(source);
    const kind: MediaKind = type === 'audio' ? 'audio' : type === 'video' ? 'video' : 'image';
    if (mode === 'task' && (await fileSize(source.file, kind)) > BASE64_LIMIT_BYTES[kind]) {
      const asset = await this.uploadAsset(source.file, { signal });
      return { asset_id: asset.id };
    }
    return { base64_string: await fileAsBase64(source.file, kind, kind) };
  }
}
