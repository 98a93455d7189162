/** pgvector refuses an hnsw.ef_search above this; a wider search is asked for with an iterative scan instead. */
export const PG_MAX_EF_SEARCH = 1000;
