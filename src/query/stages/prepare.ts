import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { writeUnitFloat32 } from '../../float32-vector.js';
import { defaultPartitionProbes } from '../../index/clip-partitions.js';
import type { QueryKey } from '../../store/query-cache.js';
import { isCrossModal, type QueryModality } from '../../store/search-ef.js';
import { sha256Hex } from '../../store/sha256.js';
import { cosine } from '../../vector/cosine.js';
import type { LibrarySnapshot } from '../library-snapshot.js';
import { parseSearchFilter, type SearchFilter } from '../search-filter.js';
import type { QueryVectorCache } from '../search-storage.js';
import { THRESHOLDS, type Threshold } from './match.js';

/** A search checked once and ready to run: what a page record stores, and what every later stage reads. */
export interface PreparedSearch {
  /** Unit vectors. */
  readonly queries: readonly Float32Array[];
  readonly search: NormalizedSearch;
  /** Labels that are never results (the segment a "more like this" query starts from, and its twins). */
  readonly excluded: ReadonlySet<number>;
  /** The ANN search breadth. */
  readonly ef: number;
  /** Set when the rounds are answered by partition search: the partitions probed for a top 10. */
  readonly partitionProbes?: number | undefined;
}

export interface PrepareContext {
  readonly queryCache: QueryVectorCache;
  /** Embeds queries that are not cached; undefined: only cached queries, vectors and segments can be searched. */
  readonly embedder: QueryEmbedder | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onWarning?: ((message: string) => void) | undefined;
  /**
   * Answer searches with a cross-modal query by partition search, probing this many partitions
   * for a top 10 (`true`: defaultPartitionProbes for the library's size and dimension).
   */
  readonly partitionSearch?: true | number | undefined;
}

/**
 * Stage 1: checks the request's options and turns its inputs into unit query vectors (the raw
 * vector, the stored segment of `like`, and text or media embedded or read from the query
 * cache), and picks the ef for their modalities.
 */
export async function prepareSearch(
  request: SearchRequest,
  snapshot: LibrarySnapshot,
  context: PrepareContext,
): Promise<PreparedSearch> {
  const search = normalizeSearch(request);
  const { model, dimension } = snapshot.manifest;
  const excluded = new Set<number>();
  const queries: Float32Array[] = [];
  if (request.vector !== undefined) queries.push(normalizeQueryVector(request.vector, dimension, 'the query vector'));
  if (request.like !== undefined) {
    const like = await findLikeSegment(snapshot, parseLike(request.like), search.searchOptions);
    queries.push(like.vector);
    for (const label of like.excluded) excluded.add(label);
  }
  const inputs = queryInputsOf(request);
  // Vector and segment queries count as in distribution (video); embedded ones by their modality.
  const modalities: QueryModality[] = [
    ...(queries.length > 0 ? ['video' as const] : []),
    ...inputs.map((input) => input.modality),
  ];
  if (inputs.length > 0) {
    if (model === null)
      throw new InputError('the library is empty, so it has no model to embed queries with; build it first');
    const embedded = await embedQueries(inputs, {
      model,
      dimension,
      cache: context.queryCache,
      embedder: context.embedder,
      offline: request.offline ?? false,
      signal: context.signal,
      onWarning: context.onWarning,
    });
    embedded.forEach((vector, i) =>
      queries.push(normalizeQueryVector(vector, dimension, `the embedding of query ${i + 1}`)),
    );
  }
  if (queries.length === 0)
    throw new InputError('no query given: pass `text`, `image`, `audio`, `video`, `vector` or `like`');
  const probes = context.partitionSearch;
  const partitioned = probes !== undefined && snapshot.index?.kind === 'hnsw' && modalities.some(isCrossModal);
  return {
    queries,
    search,
    excluded,
    ef: snapshot.efFor(modalities),
    ...(partitioned
      ? {
          partitionProbes:
            probes === true
              ? defaultPartitionProbes(snapshot.manifest.counts.segments, snapshot.facts.dimension)
              : probes,
        }
      : {}),
  };
}

export type GroupBy = 'clip' | 'video';
export type Operator = 'or' | 'and';
export const SEARCH_OPTIONS = ['visual', 'audio', 'transcription'] as const;
export type SearchOption = (typeof SEARCH_OPTIONS)[number];
export const MAX_PAGE_LIMIT = 50;
export const DEFAULT_PAGE_LIMIT = 10;

/** What a caller may ask of `lib.search` (docs/design.md section 6). */
export interface SearchRequest {
  text?: string | undefined;
  image?: string | readonly string[] | undefined;
  audio?: string | readonly string[] | undefined;
  video?: string | readonly string[] | undefined;
  vector?: Float32Array | readonly number[] | undefined;
  /** A stored segment: "VIDEO_ID" or "VIDEO_ID@SECONDS". */
  like?: string | undefined;
  searchOptions?: readonly string[] | undefined;
  groupBy?: GroupBy | undefined;
  operator?: Operator | undefined;
  pageLimit?: number | undefined;
  /** A `next_page_token` or `prev_page_token` of an earlier response; the other fields are then ignored. */
  pageToken?: string | undefined;
  /** The search API's filter: an object, or its JSON text. */
  filter?: SearchFilter | string | undefined;
  minScore?: number | undefined;
  /** Keep hits of at least this confidence (default none). */
  threshold?: Threshold | undefined;
  /** Merge consecutive matching clips of a video into one hit. */
  mergeAdjacent?: boolean | undefined;
  offline?: boolean | undefined;
}

/** The request checked once, with defaults filled in. */
export interface NormalizedSearch {
  groupBy: GroupBy;
  operator: Operator;
  pageLimit: number;
  minScore: number | undefined;
  searchOptions: readonly SearchOption[] | undefined;
  filter: SearchFilter | undefined;
  threshold: Threshold;
  mergeAdjacent: boolean;
}

export function normalizeSearch(request: SearchRequest): NormalizedSearch {
  const pageLimit = request.pageLimit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(pageLimit) || pageLimit < 1 || pageLimit > MAX_PAGE_LIMIT) {
    throw new InputError(
      `the page limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${String(request.pageLimit)}`,
    );
  }
  const groupBy = request.groupBy ?? 'clip';
  if (groupBy !== 'clip' && groupBy !== 'video')
    throw new InputError(`\`groupBy\` must be clip or video, got ${JSON.stringify(groupBy)}`);
  const operator = request.operator ?? 'or';
  if (operator !== 'or' && operator !== 'and')
    throw new InputError(`\`operator\` must be or or and, got ${JSON.stringify(operator)}`);
  const minScore = request.minScore;
  if (minScore !== undefined && (!Number.isFinite(minScore) || minScore < -1 || minScore > 1)) {
    throw new InputError(`\`minScore\` is a cosine similarity from -1 to 1, got ${String(minScore)}`);
  }
  let searchOptions: SearchOption[] | undefined;
  if (request.searchOptions !== undefined) {
    const unknown = request.searchOptions.filter((option) => !(SEARCH_OPTIONS as readonly string[]).includes(option));
    if (unknown.length > 0)
      throw new InputError(`unknown search option(s) ${unknown.join(', ')}; use ${SEARCH_OPTIONS.join(', ')}`);
    if (request.searchOptions.length === 0)
      throw new InputError(`search options must name at least one of ${SEARCH_OPTIONS.join(', ')}`);
    searchOptions = [...new Set(request.searchOptions as SearchOption[])];
  }
  const threshold = request.threshold ?? 'none';
  if (!THRESHOLDS.includes(threshold))
    throw new InputError(`\`threshold\` must be one of ${THRESHOLDS.join(', ')}, got ${JSON.stringify(threshold)}`);
  const filter = request.filter === undefined ? undefined : parseSearchFilter(request.filter);
  return {
    groupBy,
    operator,
    pageLimit,
    minScore,
    searchOptions,
    filter,
    threshold,
    mergeAdjacent: request.mergeAdjacent ?? false,
  };
}

/** Marengo 2.7's fused `visual-text` embeddings answer visual searches. */
export function embeddingOptionsFor(option: SearchOption): readonly string[] {
  return option === 'visual' ? ['visual', 'visual-text'] : [option];
}

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

interface EmbedQueriesOptions {
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
async function embedQueries(inputs: readonly QueryInput[], options: EmbedQueriesOptions): Promise<Float32Array[]> {
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
          `the ${describeQuery(input)} has no sound entry in the query cache (${damaged}) and \`offline\` forbids calling the API to embed it again; run it once online`,
        );
      throw new InputError(
        `the ${describeQuery(input)} is not in the query cache and \`offline\` forbids calling the API; run it once online, add it with \`vsearch cache add\`, or search with \`vector\` or \`like\``,
      );
    }
    if (options.embedder === undefined) {
      throw new InputError(
        `the ${describeQuery(input)} is not in the query cache; embedding it needs the TwelveLabs API: set TWELVELABS_API_KEY, or search with \`vector\` or \`like\``,
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

/**
 * Checks a raw query vector against the library's dimension and float32's range (values,
 * and a squared norm that neither underflows nor overflows) and returns it L2-normalized.
 */
export function normalizeQueryVector(
  values: ArrayLike<unknown>,
  dimension: number | null,
  origin: string,
): Float32Array {
  if (dimension !== null && values.length !== dimension) {
    throw new InputError(`${origin} has ${values.length} dimensions but the library holds ${dimension}-d embeddings`);
  }
  if (values.length === 0) throw new InputError(`${origin} is empty`);
  const vector = new Float32Array(values.length);
  writeUnitFloat32(values, { value: (i) => `${origin}: value ${i}`, vector: origin }, vector, 0, (reason) => {
    throw new InputError(reason);
  });
  return vector;
}

export interface LikeTarget {
  videoId: string;
  seconds: number | undefined;
}

/** "VIDEO_ID" or "VIDEO_ID@SECONDS"; the last "@" splits, so ids may contain "@". */
export function parseLike(spec: string): LikeTarget {
  const at = spec.lastIndexOf('@');
  if (at < 0) return { videoId: spec, seconds: undefined };
  const secondsText = spec.slice(at + 1);
  const seconds = Number(secondsText);
  if (secondsText === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new InputError(
      `\`like\` takes VIDEO_ID or VIDEO_ID@SECONDS; ${JSON.stringify(secondsText)} is not a number of seconds`,
    );
  }
  return { videoId: spec.slice(0, at), seconds };
}

/** Cosines at least this high are the same vector stored twice (float32 rounding aside). */
const SAME_VECTOR = 1 - 1e-6;

/**
 * The stored segment a "more like this" query starts from: the one covering `seconds`
 * (or the video's first), preferring a clip, then an embedding option the search asks for.
 * `excluded` holds it and every row of its video with the same span carrying the same vector
 * (a clip's whole-video twin, a row stored twice): none of them is an answer. Only the
 * vectors of those rows are read.
 */
async function findLikeSegment(
  snapshot: LibrarySnapshot,
  target: LikeTarget,
  searchOptions: readonly SearchOption[] | undefined,
): Promise<{ label: number; vector: Float32Array; excluded: number[] }> {
  const preferredOptions = (searchOptions ?? SEARCH_OPTIONS).flatMap((option) => embeddingOptionsFor(option));
  const facts = snapshot.facts;
  const summary = snapshot.manifest.videos[target.videoId];
  if (summary === undefined)
    throw new InputError(
      `\`like\`: no video ${JSON.stringify(target.videoId)} in this library; \`vsearch videos\` lists what it holds`,
    );
  if (target.seconds !== undefined && target.seconds > summary.durationSec) {
    throw new InputError(
      `\`like\`: ${target.videoId} is ${summary.durationSec.toFixed(2)} s long; ${target.seconds} s is past its end`,
    );
  }
  const ordinal = facts.videoOrdinals.get(target.videoId);
  let best: { label: number; rank: number } | undefined;
  for (const label of ordinal === undefined ? [] : (facts.videos[ordinal]?.labels ?? [])) {
    const start = facts.start[label] as number;
    const end = facts.end[label] as number;
    const covers =
      target.seconds === undefined
        ? 0
        : target.seconds >= start && (target.seconds < end || target.seconds === summary.durationSec)
          ? 0
          : 1;
    const optionRank = preferredOptions.indexOf(facts.options[facts.option[label] as number] ?? '');
    const notClip = facts.clipRow[label] === 1 ? 0 : 1;
    const rank = notClip * 1e12 + covers * 1e9 + (optionRank < 0 ? preferredOptions.length : optionRank) * 1e6 + start;
    if (best === undefined || rank < best.rank || (rank === best.rank && label < best.label)) best = { label, rank };
  }
  const vector = best === undefined ? undefined : await snapshot.segmentVector(best.label);
  if (best === undefined || vector === undefined)
    throw new InputError(`\`like\`: video ${JSON.stringify(target.videoId)} has no segments`);
  const excluded = [best.label];
  const start = facts.start[best.label] as number;
  const end = facts.end[best.label] as number;
  for (const label of ordinal === undefined ? [] : (facts.videos[ordinal]?.labels ?? [])) {
    if (label === best.label || facts.start[label] !== start || facts.end[label] !== end) continue;
    const twin = await snapshot.segmentVector(label);
    if (twin !== undefined && cosine(vector, twin) >= SAME_VECTOR) excluded.push(label);
  }
  return { label: best.label, vector, excluded };
}
