export { ExactIndex } from './exact-index.js';
export { checkGraphFile, GraphFileDamage } from './graph-file-check.js';
export { DEFAULT_HNSW_PARAMS, HnswIndex } from './hnsw-index.js';
export type { IndexSidecar } from './persist.js';
export {
  checkSavedGraph,
  loadHnswIndex,
  REBUILD_HINT,
  readSidecar,
  recordCoverage,
  SIDECAR_FILE,
  saveHnswIndex,
  writeHnswGraph,
} from './persist.js';
export { type PinnedGraph, pinSavedGraph, unpinGraph } from './pinned-graph.js';
export type { VectorIndex } from './vector-index.js';
