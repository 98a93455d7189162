import { readFile } from 'node:fs/promises';
import { apiVersionFor, type EmbedInput, type MediaInput, type TwelveLabsClient } from '../embed/index.js';
import type { QueryEmbedder, QueryInput } from '../query/index.js';
import type { EmbeddingSegment, Modality, ModelName } from '../types.js';

/** One piece of media to embed, as the pipeline knows it. */
export interface EmbedRequest {
  model: ModelName;
  modality: Modality;
  source: { file: string } | { url: string };
  clipLengthSec?: number | undefined;
}

export interface TaskHandle {
  taskId: string;
  apiVersion: 'v1' | 'v2';
}

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

  async startTask(request: EmbedRequest, signal?: AbortSignal): Promise<TaskHandle> {
    if (apiVersionFor(request.model) === 'v1') {
      const task = await this.#client.createEmbedTaskV1({ model: request.model, video: request.source, clipLengthSec: request.clipLengthSec }, { signal });
      return { taskId: task.id, apiVersion: 'v1' };
    }
    const task = await this.#client.createEmbedTask(await this.#input(request), { signal });
    return { taskId: task.id, apiVersion: 'v2' };
  }

  async finishTask(task: TaskHandle, model: ModelName, signal?: AbortSignal): Promise<EmbeddingSegment[]> {
    if (task.apiVersion === 'v1') return this.#client.waitForEmbedTaskV1(task.taskId, { model, signal });
    return this.#client.waitForEmbedTask(task.taskId, { model: model === 'marengo3.5' ? 'marengo3.5' : 'marengo3.0', signal });
  }

  async #input(request: EmbedRequest): Promise<EmbedInput> {
    const { model, modality, source } = request;
    if (modality === 'text') {
      const text = 'file' in source ? await readFile(source.file, 'utf8') : source.url;
      return { model, text: text.trim() };
    }
    if (modality === 'image') return { model, image: source };
    const media: MediaInput = request.clipLengthSec === undefined ? { ...source } : { ...source, clipLengthSec: request.clipLengthSec };
    return modality === 'audio' ? { model, audio: media } : { model, video: media };
  }
}

/** Query embedding over the same client: text, or a media file or URL, one sync call. */
export function queryEmbedderFor(client: TwelveLabsClient): QueryEmbedder {
  const service = new EmbeddingService(client);
  return {
    async embed(input: QueryInput, model: string, options = {}): Promise<Float32Array> {
      const modelName = model as ModelName;
      if (input.modality === 'text') return averageOf((await client.embed({ model: modelName, text: input.text }, { signal: options.signal })).segments);
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
  for (const segment of segments) for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (segment.vector[i] as number);
  return mean;
}
