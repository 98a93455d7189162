/**
 * Reciprocal rank fusion's k (Cormack, Clarke and Büttcher, SIGIR 2009): a hit at rank r of a
 * list adds 1 / (k + r). 60 is the paper's value and the common default (Elasticsearch,
 * OpenSearch, LanceDB); a larger k flattens the difference between the top ranks.
 */
export const RRF_K = 60;

export type HybridFusion = 'rrf' | 'weighted';

/** Weights of the weighted fusion of the vector and lexical lists; default 0.5 each. */
export interface HybridWeights {
  vector: number;
  text: number;
}

export const DEFAULT_HYBRID_WEIGHTS: HybridWeights = { vector: 0.5, text: 0.5 };

export function rrf(rank: number): number {
  return 1 / (RRF_K + rank);
}

/** Scores scaled to 0-1 by the list's own range (all 1 when they are equal), for the weighted fusion. */
export function minMax(scores: readonly number[]): (score: number) => number {
  const max = Math.max(...scores);
  const min = Math.min(...scores);
  return (score) => (max === min ? 1 : (score - min) / (max - min));
}

/** Non-negative scores (BM25) scaled by the best of the list. */
export function ofMax(scores: readonly number[]): (score: number) => number {
  const max = Math.max(...scores);
  return (score) => (max > 0 ? score / max : 0);
}
