/**
 * Index defaults, the one place. A new library's manifest starts from them
 * (store/manifest.ts DEFAULT_INDEX_SETTINGS) and so does a bare HnswIndex built without options.
 */

/** HNSW links per node. */
export const DEFAULT_M = 16;

/**
 * efConstruction 100, not hnswlib's customary 200: on 100k x 1024 it builds 1.37x faster (same
 * run, side by side) and reaches the same recall@10 up to 0.998 at about 1.5x the ef (at 20k,
 * the same recall at the same ef); see bench/index-build.mjs. Libraries written with 200 keep it.
 */
export const DEFAULT_EF_CONSTRUCTION = 100;

/**
 * The search breadth where nothing chose one: a bare index's searches without an ef, and a
 * library's stored ef (which its searches use only once fixed or calibrated: store/search-ef.ts
 * otherwise picks one by size and query modality).
 */
export const DEFAULT_EF = 64;

/** Below this many segments an `auto` library searches exactly rather than by HNSW. */
export const DEFAULT_EXACT_BELOW = 2000;
