import type { ClipPartitions } from '../index/clip-partitions.js';
import type { KnnResult } from '../index/vector-index.js';
import type { RetrievalIndex, RetrievalRound } from './retrieval-index.js';

/**
 * Answers a search's ANN rounds by partition search (src/index/clip-partitions.ts) instead of
 * the graph: `probes` partitions for a top 10, and for a round of k candidates sqrt(k / 10)
 * times as many (a first page of 10 asks for 20: its top 10 need only the probes of a top 10,
 * the rest are candidates a later round widens for). The graph still lends its vector copies.
 */
export class PartitionRetrieval implements RetrievalIndex {
  readonly kind = 'hnsw';
  readonly #index: RetrievalIndex;
  readonly #partitions: ClipPartitions;
  readonly #probes: number;

  constructor(index: RetrievalIndex, partitions: ClipPartitions, probes: number) {
    this.#index = index;
    this.#partitions = partitions;
    this.#probes = probes;
  }

  get size(): number {
    return this.#index.size;
  }

  search(query: Float32Array, k: number, round: RetrievalRound): KnnResult {
    const probes = Math.ceil(this.#probes * Math.sqrt(Math.max(k, TOP) / TOP));
    return this.#partitions.search(query, k, probes, round.filter);
  }

  vectorOf(label: number): Float32Array | undefined {
    return this.#index.vectorOf?.(label);
  }
}

/** The top k that `probes` is set for. */
const TOP = 10;
