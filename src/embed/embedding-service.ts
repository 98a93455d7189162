import { readFile, stat } from 'node:fs/promises';
import { InputError, NotFoundError } from '../errors.js';
import type { QueryEmbedder, QueryInput } from '../query/index.js';
import type { EmbeddingSegment, Modality, ModelName } from '../types.js';
import type { Asset } from './assets.js';
import { apiVersionFor, type TwelveLabsClient } from './client.js';
import type { EmbedInput, MediaInput } from './embed-v2.js';
import { DIRECT_ASSET_LIMIT_BYTES } from './media.js';

/** One piece of media to embed, as the pipeline knows it. */
export interface EmbedRequest {
  model: ModelName;
  modality: Modality;
  /** A local file, a URL, or an asset the API already holds (v2 only). */
  source: { file: string } | { url: string } | { assetId: string };
  clipLengthSec?: number | undefined;
}

export interface TaskHandle {
  taskId: string;
  apiVersion: 'v1' | 'v2';
}

/** What a search of the task list found for an asset. */
export type FoundTask = { taskId: string; status: string } | undefined;

/** How many pages of 50 the task list is searched, newest first, for a task made from an asset. */
const TASK_SEARCH_PAGES = 20;

/** The calls the build pipeline makes; the TwelveLabs client behind them owns retries and limits. */
export class EmbeddingService {
  readonly #client: TwelveLabsClient;

  constructor(client: TwelveLabsClient) {
    this.#client = client;
  }

  async embedNow(request: EmbedRequest, signal?: AbortSignal): Promise<EmbeddingSegment[]> {
    const result = await this.#client.embed(await this.#input(request), { signal });
    return result.segments;
  }

  /** `filename`: the name a local v1 video is uploaded under, for `findTask` to know it by. */
  async startTask(request: EmbedRequest, signal?: AbortSignal, filename?: string): Promise<TaskHandle> {
    if (apiVersionFor(request.model) === 'v1') {
      const video = request.source;
      if ('assetId' in video)
        throw new InputError(`${request.model} (the v1 API) cannot embed an asset; assets need a v2 model`);
      const task = await this.#client.createEmbedTaskV1(
        { model: request.model, video, filename, clipLengthSec: request.clipLengthSec },
        { signal },
      );
      return { taskId: task.id, apiVersion: 'v1' };
    }
    const task = await this.#client.createEmbedTask(await this.#input(request), { signal });
    return { taskId: task.id, apiVersion: 'v2' };
  }

  /** Uploads the media as an asset named `filename` (a tag that a rerun can list it by); answers its id as soon as the API does. */
  async uploadAsset(request: EmbedRequest, filename: string, sha256: string, signal?: AbortSignal): Promise<string> {
    const userMetadata = { vsearch_content_sha256: sha256 };
    if ('assetId' in request.source) return request.source.assetId;
    if ('url' in request.source)
      return (await this.#client.createAsset({ url: request.source.url }, { filename, userMetadata, signal })).id;
    const file = request.source.file;
    if ((await stat(file)).size > DIRECT_ASSET_LIMIT_BYTES)
      return (await this.#client.uploadMultipart(file, { filename, signal })).assetId;
    return (await this.#client.createAsset({ file }, { filename, userMetadata, signal })).id;
  }

  /** The newest asset named exactly `filename` that did not fail, if the API has one. */
  async findAsset(filename: string, signal?: AbortSignal): Promise<Asset | undefined> {
    for await (const asset of this.#client.listAssets({ filename, pageLimit: 50, signal })) {
      if (asset.filename === filename && asset.status !== 'failed') return asset;
    }
    return undefined;
  }

  /** The asset, or undefined when the API does not know it (404). */
  async getAsset(assetId: string, signal?: AbortSignal): Promise<Asset | undefined> {
    try {
      return await this.#client.getAsset(assetId, { signal });
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async waitForAsset(assetId: string, signal?: AbortSignal): Promise<Asset> {
    return this.#client.waitForAsset(assetId, { signal, poll: { intervalMs: 250 } });
  }

  /**
   * A task already made from the media named `filename` (a v2 asset's name, or the name a v1 video
   * was uploaded under), created at or after `since`: task lists record no asset id or request
   * key, but name the file a task was made from (`input_filename`). Ready or processing wins over failed.
   */
  async findTask(apiVersion: 'v1' | 'v2', filename: string, since: string, signal?: AbortSignal): Promise<FoundTask> {
    const options = { startedAt: since, pageLimit: 50, signal };
    const pages =
      apiVersion === 'v1'
        ? mapPages(this.#client.listEmbedTasksV1(options).pages(), (task) => ({
            id: task.id,
            status: task.status,
            inputFilename: optionalText(task.metadata?.['input_filename']),
          }))
        : mapPages(this.#client.listEmbedTasks(options).pages(), (task) => ({
            id: task.id,
            status: task.status,
            inputFilename: task.inputFilename,
          }));
    let failed: FoundTask;
    let count = 0;
    for await (const items of pages) {
      for (const task of items) {
        if (task.inputFilename !== filename) continue;
        if (task.status !== 'failed') return { taskId: task.id, status: task.status };
        failed ??= { taskId: task.id, status: task.status };
      }
      if (++count >= TASK_SEARCH_PAGES) break;
    }
    return failed;
  }

  /** POST /embed-v2/tasks from an uploaded asset. */
  async startTaskFromAsset(request: EmbedRequest, assetId: string, signal?: AbortSignal): Promise<TaskHandle> {
    const task = await this.#client.createEmbedTask(await this.#input(request, { assetId }), { signal });
    return { taskId: task.id, apiVersion: 'v2' };
  }

  async finishTask(task: TaskHandle, model: ModelName, signal?: AbortSignal): Promise<EmbeddingSegment[]> {
    if (task.apiVersion === 'v1') return this.#client.waitForEmbedTaskV1(task.taskId, { model, signal });
    return this.#client.waitForEmbedTask(task.taskId, {
      model: model === 'marengo3.5' ? 'marengo3.5' : 'marengo3.0',
      signal,
    });
  }

  /** `uploaded` replaces a media file or URL by the asset it was uploaded as. */
  async #input(request: EmbedRequest, uploaded?: { assetId: string }): Promise<EmbedInput> {
    const { model, modality, source } = request;
    if (modality === 'text') {
      const text = 'file' in source ? await readFile(source.file, 'utf8') : 'url' in source ? source.url : '';
      return { model, text: text.trim() };
    }
    if (modality === 'image') return { model, image: source };
    const given = uploaded ?? source;
    const media: MediaInput =
      request.clipLengthSec === undefined ? { ...given } : { ...given, clipLengthSec: request.clipLengthSec };
    return modality === 'audio' ? { model, audio: media } : { model, video: media };
  }
}

interface ListedTask {
  id: string;
  status: string;
  inputFilename: string | undefined;
}

async function* mapPages<T>(
  pages: AsyncIterable<{ items: T[] }>,
  map: (item: T) => ListedTask,
): AsyncGenerator<ListedTask[]> {
  for await (const page of pages) yield page.items.map(map);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Query embedding over the same client: text, or a media file or URL, one sync call. */
export function queryEmbedderFor(client: TwelveLabsClient): QueryEmbedder {
  const service = new EmbeddingService(client);
  return {
    async embed(input: QueryInput, model: string, options = {}): Promise<Float32Array> {
      const modelName = model as ModelName;
      if (input.modality === 'text')
        return averageOf(
          (await client.embed({ model: modelName, text: input.text }, { signal: options.signal })).segments,
        );
      const source = /^https?:\/\//i.test(input.source) ? { url: input.source } : { file: input.source };
      return averageOf(await service.embedNow({ model: modelName, modality: input.modality, source }, options.signal));
    },
  };
}

/** A query longer than one clip comes back as several segments; their mean is the query. */
function averageOf(segments: readonly EmbeddingSegment[]): Float32Array {
  const first = segments[0];
  if (first === undefined) throw new Error('the API returned no embedding for the query');
  if (segments.length === 1) return first.vector;
  const mean = new Float32Array(first.vector.length);
  for (const segment of segments)
    for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (segment.vector[i] as number);
  return mean;
}
