import { InputError } from '../errors.js';

export type Metric = 'cosine';

export interface HnswParams {
  M: number;
  efConstruction: number;
  ef: number;
}

/** `score` is the cosine similarity; rows are ordered best first. */
export interface KnnResult {
  labels: Uint32Array;
  scores: Float32Array;
}

export interface SearchOptions {
  /** HNSW search breadth; raised to k when smaller. Ignored by the exact index. */
  ef?: number;
  /**
   * Keep only labels for which this returns true. Must be pure: it may be called in any
   * order, or not at all for some labels. HNSW may return fewer than k results under a
   * very selective filter; raise ef or use the exact index then.
   */
  filter?: (label: number) => boolean;
}

/**
 * A k-nearest-neighbour index over L2-normalized vectors, keyed by uint32 labels.
 * Adding a label that is already live throws; a removed label may be added again.
 */
export interface VectorIndex {
  readonly kind: 'hnsw' | 'exact';
  readonly dimension: number;
  /** Live (not removed) vectors. */
  readonly size: number;
  /** `vectors` is flat row-major n*dimension and already L2-normalized; `labels` has n entries. */
  add(vectors: Float32Array, labels: Uint32Array): void;
  /** Removed labels leave search results at once. Unknown or already removed labels are ignored. */
  remove(labels: Iterable<number>): void;
  has(label: number): boolean;
  /** k is clamped to `size`; an empty index gives an empty result. */
  search(query: Float32Array, k: number, options?: SearchOptions): KnnResult;
  /**
   * The unit vector the index holds for a live label, when it keeps its own copy (HNSW does):
   * lets a search score a few labels without reading the store's vectors. Undefined otherwise.
   */
  vectorOf?(label: number): Float32Array | undefined;
}

export const MAX_LABEL = 0xffff_ffff;

export function emptyResult(): KnnResult {
  return { labels: new Uint32Array(0), scores: new Float32Array(0) };
}

export function isValidLabel(label: number): boolean {
  return Number.isInteger(label) && label >= 0 && label <= MAX_LABEL;
}

export function assertLabel(label: number): void {
  if (!isValidLabel(label)) {
    throw new InputError(`invalid label ${String(label)}: labels must be integers from 0 to ${MAX_LABEL} (uint32)`);
  }
}

export function assertDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new InputError(`invalid vector dimension ${String(dimension)}: must be a positive integer`);
  }
}

/**
 * Checks a batch for `add`: shapes agree, labels are uint32, no label repeats within
 * the batch or is already live (`isLive`). Throws before anything is mutated.
 */
export function assertAddBatch(
  dimension: number,
  vectors: Float32Array,
  labels: ArrayLike<number>,
  isLive: (label: number) => boolean,
): void {
  if (vectors.length !== labels.length * dimension) {
    throw new InputError(
      `vectors has ${vectors.length} floats but ${labels.length} labels of dimension ${dimension} need ${labels.length * dimension}`,
    );
  }
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    assertLabel(label);
    if (seen.has(label) || isLive(label)) {
      throw new InputError(`label ${label} is already in the index: remove it before adding it again`);
    }
    seen.add(label);
  }
}

export function assertQuery(dimension: number, query: Float32Array, k: number): void {
  if (query.length !== dimension) {
    throw new InputError(
      `query vector has dimension ${query.length}, but the index holds vectors of dimension ${dimension}`,
    );
  }
  if (!Number.isInteger(k) || k < 0) {
    throw new InputError(`invalid k ${String(k)}: must be a non-negative integer`);
  }
}
