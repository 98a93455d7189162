/** The library's folder of derived search data: the HNSW graph, its sidecar, the label facts. */
export const INDEX_DIR = 'index';
