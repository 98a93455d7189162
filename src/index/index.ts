export type { HnswParams, KnnResult, Metric, SearchOptions, VectorIndex } from './vector-index.js';
export { ExactIndex } from './exact-index.js';
export { DEFAULT_HNSW_PARAMS, HnswIndex } from './hnsw-index.js';
export type { HnswIndexOptions } from './hnsw-index.js';
export { SIDECAR_FILE, loadHnswIndex, saveHnswIndex } from './persist.js';
export type { IndexSidecar } from './persist.js';
export { hnswlibBinding } from './hnswlib-binding.js';
export type { HnswlibBinding } from './hnswlib-binding.js';
