export { type Confidence, confidenceOf, THRESHOLDS, type Threshold } from './confidence.js';
export type { LibrarySnapshot } from './library-snapshot.js';
export { parseLike } from './like-segment.js';
export { PAGE_TOKEN_ERROR_CODE, PageTokenError } from './page-token-error.js';
export {
  describeQuery,
  type MediaModality,
  type QueryEmbedder,
  type QueryInput,
  queryKeyOf,
} from './query-inputs.js';
export { originOf } from './query-origin.js';
export { normalizeQueryVector } from './query-vector.js';
export { parseSearchFilter, type SearchFilter } from './search-filter.js';
export { firstPage, runSearch, type SearchContext, searchPage } from './search-pipeline.js';
export {
  DEFAULT_PAGE_LIMIT,
  type GroupBy,
  MAX_PAGE_LIMIT,
  type NormalizedSearch,
  normalizeSearch,
  type Operator,
  SEARCH_OPTIONS,
  type SearchOption,
  type SearchRequest,
} from './search-request.js';
export type { ClipHit, PageInfo, SearchResponse, SearchResponseFor, VideoHit } from './search-response.js';
export { DEFAULT_RETRIEVAL_PLAN, type RetrievalPlan, type RetrievalStep } from './stages/retrieve.js';
export { formatTimeRange, formatTimestamp } from './time-range.js';
