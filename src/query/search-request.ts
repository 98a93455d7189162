import { InputError } from '../errors.js';
import { THRESHOLDS, type Threshold } from './confidence.js';
import { parseSearchFilter, type SearchFilter } from './search-filter.js';

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
    throw new InputError(`min-score is a cosine similarity from -1 to 1, got ${String(minScore)}`);
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
