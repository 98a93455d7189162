export type { LibrarySnapshot } from './library-snapshot.js';
export { PAGE_TOKEN_ERROR_CODE, PageTokenError } from './page-token-error.js';
export { originOf } from './query-origin.js';
export { parseSearchFilter, type SearchFilter } from './search-filter.js';
export { firstPage, runSearch, type SearchContext, searchPage } from './search-pipeline.js';
export type { ClipHit, PageInfo, SearchResponse, SearchResponseFor, VideoHit } from './search-response.js';
export { type Confidence, confidenceOf, THRESHOLDS, type Threshold } from './stages/match.js';
export {
  DEFAULT_PAGE_LIMIT,
  describeQuery,
  type GroupBy,
  MAX_PAGE_LIMIT,
  type MediaModality,
  type NormalizedSearch,
  normalizeQueryVector,
  normalizeSearch,
  type Operator,
  parseLike,
  type QueryEmbedder,
  type QueryInput,
  queryKeyOf,
  SEARCH_OPTIONS,
  type SearchOption,
  type SearchRequest,
} from './stages/prepare.js';
export { DEFAULT_RETRIEVAL_PLAN, type RetrievalPlan, type RetrievalStep } from './stages/retrieve.js';
