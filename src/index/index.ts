export type { HnswParams, KnnResult, Metric, SearchOptions, VectorIndex } from './vector-index.js';
export { ExactIndex } from './exact-index.js';
export { DEFAULT_HNSW_PARAMS, HnswIndex } from './hnsw-index.js';
export type { HnswIndexOptions } from './hnsw-index.js';
export { REBUILD_HINT, SIDECAR_FILE, checkSavedGraph, loadHnswIndex, readSidecar, saveHnswIndex } from './persist.js';
export { checkGraphFile, GraphFileDamage, type GraphFileFacts } from './graph-file-check.js';
export type { IndexSidecar } from './persist.js';
export { hnswlibBinding } from './hnswlib-binding.js';
export type { HnswlibBinding } from './hnswlib-binding.js';
