/** Latency summaries for benchmarks. */

/**
 * The p-quantile (0 <= p <= 1) of ascending `sorted`, by linear interpolation between
 * closest ranks (numpy's default): p50 of [1, 2, 3, 4] is 2.5. NaN when empty.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be in [0, 1], got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = p * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  const low = sorted[lower] as number;
  return low + (position - lower) * ((sorted[upper] as number) - low);
}

export interface LatencySummary {
  /** Number of samples. */
  count: number;
  mean: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** Summary of unsorted samples (any unit; the result uses the same one). Does not modify `samples`. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  let total = 0;
  for (const value of sorted) total += value;
  return {
    count,
    mean: count === 0 ? Number.NaN : total / count,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    min: count === 0 ? Number.NaN : (sorted[0] as number),
    max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
  };
}

/** The median of unsorted samples (the mean of the middle two for an even count). */
export function median(samples: ArrayLike<number>): number {
  return percentile(Float64Array.from(samples).sort(), 0.5);
}

export { round } from '../round.js';
