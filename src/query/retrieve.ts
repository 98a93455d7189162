import type { VectorIndex } from '../index/vector-index.js';

export interface Candidate {
  label: number;
  score: number;
}

export interface RetrieveOptions {
  ef: number;
  /** Labels a hit may have; undefined allows all. */
  allow?: ((label: number) => boolean) | undefined;
}

/** The top `k` labels for one query vector, best first. */
export function retrieve(index: VectorIndex, query: Float32Array, k: number, options: RetrieveOptions): Candidate[] {
  const searchOptions = options.allow === undefined ? { ef: Math.max(options.ef, k) } : { ef: Math.max(options.ef, k), filter: options.allow };
  const result = index.search(query, k, searchOptions);
  const candidates: Candidate[] = [];
  for (let i = 0; i < result.labels.length; i++) candidates.push({ label: result.labels[i] as number, score: result.scores[i] as number });
  return candidates;
}

/** operator "or": a label matches if any query matches it; its score is the best. */
export function mergeBest(lists: readonly Candidate[][]): Candidate[] {
  const best = new Map<number, number>();
  for (const list of lists) {
    for (const { label, score } of list) {
      const seen = best.get(label);
      if (seen === undefined || score > seen) best.set(label, score);
    }
  }
  return [...best].map(([label, score]) => ({ label, score })).sort(byScore);
}

export function byScore(a: Candidate, b: Candidate): number {
  return b.score - a.score || a.label - b.label;
}
