import type { KnnResult } from '../index/vector-index.js';
import type { SearchPool } from './stages/retrieve.js';

/** One round of retrieval as the snapshot's index is asked it. */
export interface RetrievalRound {
  ef: number;
  /** Set when the pool restricts: only its available labels may come back. */
  filter?: (label: number) => boolean;
  /** The pool the round serves, for an index that filters where the vectors live (PostgreSQL pushes it down as SQL). */
  pool: SearchPool;
}

/**
 * The ANN index a snapshot searches: a local `VectorIndex` (synchronous, in memory) is one; a
 * PostgreSQL library's index answers each round with an SQL query, so its rounds may be promises.
 */
export interface RetrievalIndex {
  readonly kind: 'hnsw' | 'exact';
  /** Live vectors. */
  readonly size: number;
  search(query: Float32Array, k: number, round: RetrievalRound): KnnResult | Promise<KnnResult>;
  /**
   * Every available label of the pool with its exact score, best first, computed where the
   * vectors live. Absent: an exact scan scores the stored vectors in this process.
   */
  scanPool?(query: Float32Array, pool: SearchPool): Promise<KnnResult>;
  /** The unit vector the index holds for a live label, when it keeps copies (HNSW does). */
  vectorOf?(label: number): Float32Array | undefined;
}
