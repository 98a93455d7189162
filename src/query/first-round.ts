import type { VectorIndex } from '../index/vector-index.js';
import { byScore, SCORE_SLACK, type Candidate, type RetrievalPlan, type RetrievalStep } from './candidate-stream.js';

export interface FirstRoundOptions {
  index: VectorIndex;
  /** Labels in the store: all of them are available. */
  available: number;
  /** Whether the store holds a label (the index should hold no other). */
  has: (label: number) => boolean;
  query: Float32Array;
  ef: number;
  /** Candidates the round asks for (the stream's startK). */
  k: number;
  /** Hits the page needs. */
  want: number;
  plan: RetrievalPlan;
  onStep?: ((step: RetrievalStep) => void) | undefined;
}

/**
 * The hits of the plainest first page — one query over an unrestricted pool, clips without
 * floors or merging — straight from one ANN round: exactly what a CandidateStream would hand
 * out first (same plan, same k and ef, same bound, same order), without building its pool,
 * matches and stream per search. Undefined when that round would not settle the page (a small
 * library scanned exactly, a short answer, too few scores above the bound): the caller then
 * runs the general path, which does the same round and goes on from there.
 */
export function firstRoundHits(options: FirstRoundOptions): Candidate[] | undefined {
  const { index, available, k, want, plan } = options;
  const small = available <= Math.max(plan.exactPoolMin, plan.exactPoolFraction * index.size);
  if (small || k * 2 >= available) return undefined;
  const ef = Math.max(options.ef, k);
  const result = index.search(options.query, k, { ef });
  const n = result.labels.length;
  if (n < Math.min(k, available)) return undefined;
  const candidates: Candidate[] = new Array<Candidate>(n);
  for (let i = 0; i < n; i++) {
    const label = result.labels[i] as number;
    if (!options.has(label)) return undefined;
    candidates[i] = { label, score: result.scores[i] as number };
  }
  // The index answers best first; only ties may need reordering (by label).
  if (!isSorted(candidates)) candidates.sort(byScore);
  // Every unseen label scores at most the k-th score: only candidates above it are settled.
  const bound = (result.scores[n - 1] as number) + SCORE_SLACK;
  if (want > n || (candidates[want - 1] as Candidate).score <= bound) return undefined;
  options.onStep?.({ strategy: 'ann', k, ef, returned: n });
  return candidates.slice(0, want);
}

function isSorted(candidates: readonly Candidate[]): boolean {
  for (let i = 1; i < candidates.length; i++) if (byScore(candidates[i - 1] as Candidate, candidates[i] as Candidate) > 0) return false;
  return true;
}
