import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { QueryKey } from '../store/query-cache.js';
import { sha256Hex } from '../store/sha256.js';
import type { SearchRequest } from './search-request.js';
import type { QueryVectorCache } from './search-storage.js';

export type MediaModality = 'image' | 'audio' | 'video';

/** A query that must be embedded by the model before it can be searched. */
export type QueryInput = { modality: 'text'; text: string } | { modality: MediaModality; source: string };

/** Embeds one query with the library's model (the TwelveLabs client, when one is configured). */
export interface QueryEmbedder {
  /** The origin of the API it calls (see `originOf`); queries it embeds are cached under it. Unset: unknown. */
  readonly origin?: string | undefined;
  embed(input: QueryInput, model: string, options?: { signal?: AbortSignal | undefined }): Promise<Float32Array>;
}

function listOf(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

export function queryInputsOf(request: SearchRequest): QueryInput[] {
  const inputs: QueryInput[] = [];
  if (request.text !== undefined) {
    if (request.text.trim() === '') throw new InputError('the query text is empty');
    inputs.push({ modality: 'text', text: request.text });
  }
  for (const modality of ['image', 'audio', 'video'] as const) {
    for (const source of listOf(request[modality])) inputs.push({ modality, source });
  }
  return inputs;
}

export function describeQuery(input: QueryInput): string {
  return input.modality === 'text'
    ? `text query ${JSON.stringify(input.text)}`
    : `${input.modality} query ${input.source}`;
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The cache key of a query: its text, its file's bytes, or its URL, and the origin of the API that embeds it. */
export async function queryKeyOf(input: QueryInput, model: string, origin: string | null = null): Promise<QueryKey> {
  if (input.modality === 'text') return { model, modality: 'text', contentSha256: sha256Hex(input.text), origin };
  if (isUrl(input.source)) return { model, modality: input.modality, contentSha256: sha256Hex(input.source), origin };
  let bytes: Buffer;
  try {
    bytes = await readFile(input.source);
  } catch (error) {
    throw new InputError(
      `cannot read the ${input.modality} query file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file: input.source },
    );
  }
  return { model, modality: input.modality, contentSha256: sha256Hex(bytes), origin };
}

export interface EmbedQueriesOptions {
  model: string;
  /** The library's dimension: a cached vector of another is damaged. */
  dimension?: number | null | undefined;
  cache: QueryVectorCache;
  embedder: QueryEmbedder | undefined;
  offline: boolean;
  signal?: AbortSignal | undefined;
  /** Hears that a query was embedded but could not be cached (a read-only library). */
  onWarning?: ((message: string) => void) | undefined;
}

const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Each query's vector: from the cache when the same API embedded it before (any API's when
 * there is none to call), else embedded once and cached under the embedder's origin. A cache
 * file that fails its checks is never searched: the query is embedded again and replaces it.
 */
export async function embedQueries(
  inputs: readonly QueryInput[],
  options: EmbedQueriesOptions,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  const embedder = options.offline ? undefined : options.embedder;
  const origin = embedder === undefined ? undefined : (embedder.origin ?? null);
  for (const input of inputs) {
    const key = await queryKeyOf(input, options.model, origin ?? null);
    const cached = await options.cache.lookup(key, origin, options.dimension);
    if (cached.entry !== undefined) {
      vectors.push(cached.entry.vector);
      continue;
    }
    const damaged = cached.damaged.map((file) => `${file.file}: ${file.problem}`).join('; ');
    if (options.offline) {
      if (damaged !== '')
        throw new InputError(
          `the ${describeQuery(input)} has no sound entry in the query cache (${damaged}) and --offline forbids calling the API to embed it again; run it once online`,
        );
      throw new InputError(
        `the ${describeQuery(input)} is not in the query cache and --offline forbids calling the API; run it once online, add it with \`vsearch cache add\`, or search with --vector or --like`,
      );
    }
    if (options.embedder === undefined) {
      throw new InputError(
        `the ${describeQuery(input)} is not in the query cache; embedding it needs the TwelveLabs API: set TWELVELABS_API_KEY, or search with --vector FILE or --like VIDEO_ID`,
      );
    }
    const vector = await options.embedder.embed(input, options.model, { signal: options.signal });
    if (vector.length === 0)
      throw new InputError(`the API returned an empty embedding for the ${describeQuery(input)}`);
    try {
      await options.cache.put(key, vector);
    } catch (error) {
      // A read-only library still answers the query it paid for; only the cache is lost.
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!READ_ONLY_CODES.has(code)) throw error;
      options.onWarning?.(
        `the ${describeQuery(input)} was embedded but cannot be cached in ${options.cache.dir} (${code}: the library is read-only for this process), so asking it again embeds it again`,
      );
    }
    vectors.push(vector);
  }
  return vectors;
}
