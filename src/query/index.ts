export { SearchEngine } from './search-engine.js';
export { normalizeSearch, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, SEARCH_OPTIONS, type SearchRequest, type NormalizedSearch, type GroupBy, type Operator, type SearchOption } from './search-request.js';
export type { SearchResponse, ClipHit, VideoHit } from './search-response.js';
export { embedQueries, queryInputsOf, queryKeyOf, describeQuery, type QueryInput, type QueryEmbedder, type MediaModality } from './query-inputs.js';
export { normalizeQueryVector } from './query-vector.js';
export { parseLike, findLikeSegment } from './like-segment.js';
export { confidenceOf, type Confidence } from './confidence.js';
export { formatTimeRange, formatTimestamp } from './time-range.js';
