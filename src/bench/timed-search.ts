import { InputError } from '../errors.js';
import { type EfFigures, type LatencyFigures, latencyFigures, meanRecall } from './recall-latency.js';

/** One search: the query's number in, the labels found out (best first). */
export type SearchRun = (query: number) => ArrayLike<number>;
export type AsyncSearchRun = (query: number) => Promise<ArrayLike<number>>;

export interface TimedSearches {
  found: Uint32Array[];
  /** Per-query wall time in microseconds. */
  micros: Float64Array;
}

export interface SearchFigures extends LatencyFigures {
  recall: number;
}

/** Runs `warmup` untimed searches, then each of `count` queries once, timed one by one. */
export function timeSearches(count: number, run: SearchRun, warmup = Math.min(50, count)): TimedSearches {
  for (let q = 0; q < warmup; q++) run(q % count);
  const found: Uint32Array[] = [];
  const micros = new Float64Array(count);
  for (let q = 0; q < count; q++) {
    const start = process.hrtime.bigint();
    const labels = run(q);
    micros[q] = Number(process.hrtime.bigint() - start) / 1e3;
    found.push(Uint32Array.from(labels));
  }
  return { found, micros };
}

/** `timeSearches` for searches that return a promise (the library's own path); each is awaited before the next. */
export async function timeSearchesAsync(
  count: number,
  run: AsyncSearchRun,
  warmup = Math.min(50, count),
): Promise<TimedSearches> {
  for (let q = 0; q < warmup; q++) await run(q % count);
  const found: Uint32Array[] = [];
  const micros = new Float64Array(count);
  for (let q = 0; q < count; q++) {
    const start = process.hrtime.bigint();
    const labels = await run(q);
    micros[q] = Number(process.hrtime.bigint() - start) / 1e3;
    found.push(Uint32Array.from(labels));
  }
  return { found, micros };
}

/** Recall@k against the first `found.length` rows of `truth`, and the latency figures. */
export function searchFigures(timed: TimedSearches, truth: readonly Uint32Array[]): SearchFigures {
  if (timed.found.length > truth.length)
    throw new InputError(`${timed.found.length} results but only ${truth.length} ground-truth rows`);
  const recall = meanRecall(timed.found, truth.slice(0, timed.found.length));
  return { recall: Math.round(recall * 1e6) / 1e6, ...latencyFigures(timed.micros) };
}

/** The figures of one ef of a sweep. */
export function efFigures(ef: number, timed: TimedSearches, truth: readonly Uint32Array[]): EfFigures {
  return { ef, ...searchFigures(timed, truth) };
}

export interface PairedTimes {
  a: Float64Array;
  b: Float64Array;
}

/**
 * Times two searches query by query, interleaved (A then B, then B then A on the next
 * query), so that load drifting on a shared machine hits both alike: the fair way to take
 * a ratio. Either run may return a promise; it is awaited before the clock stops.
 */
export async function pairedTimes(
  count: number,
  runA: (query: number) => unknown,
  runB: (query: number) => unknown,
): Promise<PairedTimes> {
  const a = new Float64Array(count);
  const b = new Float64Array(count);
  const timeOne = async (run: (query: number) => unknown, q: number): Promise<number> => {
    const start = process.hrtime.bigint();
    await run(q);
    return Number(process.hrtime.bigint() - start) / 1e3;
  };
  for (let q = 0; q < count; q++) {
    if (q % 2 === 0) {
      a[q] = await timeOne(runA, q);
      b[q] = await timeOne(runB, q);
    } else {
      b[q] = await timeOne(runB, q);
      a[q] = await timeOne(runA, q);
    }
  }
  return { a, b };
}
