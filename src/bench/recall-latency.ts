import { InputError } from '../errors.js';
import { ExactIndex } from '../index/exact-index.js';
import { HnswIndex } from '../index/hnsw-index.js';
import { hnswlibBinding } from '../index/hnswlib-binding.js';
import { meanRecall } from '../index/recall.js';
import type { VectorIndex } from '../index/vector-index.js';
import { round, summarize } from './percentiles.js';

export { meanRecall };

type BenchStage = 'build' | 'exact' | 'sweep';

/** Called now and then with how far a stage has got; `done === total` ends the stage. */
export type BenchProgress = (stage: BenchStage, done: number, total: number, detail?: string) => void;

export interface RecallLatencyOptions {
  /** Flat row-major base vectors, unit norm. */
  vectors: Float32Array;
  labels: Uint32Array;
  dimension: number;
  /** Flat row-major query vectors, unit norm. */
  queries: Float32Array;
  k: number;
  /** Search breadths to sweep; each is raised to k when smaller, as the index does. */
  efs: readonly number[];
  M: number;
  efConstruction: number;
  /** Seed of the HNSW level generator (default 100). */
  seed?: number;
  /** Threads that build the graph (HnswIndexOptions.threads); 1 makes the graph reproducible. */
  threads?: number;
  /** Untimed queries run before each timed pass (default min(50, queries)). */
  warmup?: number;
  onProgress?: BenchProgress;
}

export interface LatencyFigures {
  p50Us: number;
  p99Us: number;
  meanUs: number;
  /** Queries per second over the timed pass, one query at a time. */
  qps: number;
}

export interface EfFigures extends LatencyFigures {
  /** The breadth the search used: max(requested ef, k). */
  ef: number;
  /** Mean over queries of |HNSW top-k ∩ exact top-k| / |exact top-k|. */
  recall: number;
}

export interface RecallLatencyReport {
  count: number;
  dimension: number;
  queries: number;
  k: number;
  /** `build` says which hnswlib-node addon ran: compiled for this CPU at install, or stock. */
  hnsw: {
    M: number;
    efConstruction: number;
    seed: number;
    threads: number;
    build: 'native' | 'stock';
    buildDetail: string;
  };
  build: { seconds: number; vectorsPerSecond: number };
  exact: LatencyFigures;
  sweep: EfFigures[];
}

interface TimedBuild {
  index: HnswIndex;
  seconds: number;
  vectorsPerSecond: number;
}

const BUILD_BATCH = 1000;
const DEFAULT_SEED = 100;

/** Builds an HnswIndex over all vectors and times it (batches only so progress can be shown). */
function buildHnswTimed(
  vectors: Float32Array,
  labels: Uint32Array,
  params: { dimension: number; M: number; efConstruction: number; seed?: number; threads?: number },
  onProgress?: BenchProgress,
): TimedBuild {
  const { dimension } = params;
  const n = labels.length;
  if (vectors.length !== n * dimension) {
    throw new InputError(`${vectors.length} floats do not make ${n} vectors of dimension ${dimension}`);
  }
  const index = new HnswIndex({
    dimension,
    M: params.M,
    efConstruction: params.efConstruction,
    capacity: Math.max(1, n),
    seed: params.seed ?? DEFAULT_SEED,
    ...(params.threads === undefined ? {} : { threads: params.threads }),
  });
  const start = process.hrtime.bigint();
  for (let from = 0; from < n; from += BUILD_BATCH) {
    const to = Math.min(n, from + BUILD_BATCH);
    index.add(vectors.subarray(from * dimension, to * dimension), labels.subarray(from, to));
    onProgress?.('build', to, n);
  }
  const seconds = elapsedSeconds(start);
  return { index, seconds, vectorsPerSecond: seconds > 0 ? n / seconds : Number.POSITIVE_INFINITY };
}

/** The exact top-k labels of each query (the ground truth), timed query by query. */
export function exactGroundTruth(
  exact: VectorIndex,
  queries: Float32Array,
  k: number,
  options: { warmup?: number; onProgress?: BenchProgress } = {},
): { truth: Uint32Array[]; figures: LatencyFigures } {
  const { dimension } = exact;
  const count = queryCount(queries, dimension);
  warm(exact, queries, k, {}, options.warmup ?? Math.min(5, count));
  const truth: Uint32Array[] = [];
  const times = new Float64Array(count);
  const every = Math.max(1, Math.floor(count / 20));
  for (let q = 0; q < count; q++) {
    const query = queries.subarray(q * dimension, (q + 1) * dimension);
    const start = process.hrtime.bigint();
    const { labels } = exact.search(query, k);
    times[q] = elapsedMicros(start);
    truth.push(labels);
    if ((q + 1) % every === 0 || q + 1 === count) options.onProgress?.('exact', q + 1, count);
  }
  return { truth, figures: latencyFigures(times) };
}

/** Times `index.search` at `ef` over all queries and scores it against `truth`. */
export function measureEf(
  index: VectorIndex,
  queries: Float32Array,
  k: number,
  ef: number,
  truth: readonly Uint32Array[],
  warmup?: number,
): EfFigures {
  const { dimension } = index;
  const count = queryCount(queries, dimension);
  if (truth.length !== count) throw new InputError(`ground truth has ${truth.length} rows for ${count} queries`);
  warm(index, queries, k, { ef }, warmup ?? Math.min(50, count));
  const found: Uint32Array[] = [];
  const times = new Float64Array(count);
  for (let q = 0; q < count; q++) {
    const query = queries.subarray(q * dimension, (q + 1) * dimension);
    const start = process.hrtime.bigint();
    const { labels } = index.search(query, k, { ef });
    times[q] = elapsedMicros(start);
    found.push(labels);
  }
  return {
    ef: Math.max(ef, Math.min(k, index.size)),
    recall: round(meanRecall(found, truth), 6),
    ...latencyFigures(times),
  };
}

/**
 * Build time and throughput of an HNSW index, then recall@k (against exact top-k computed
 * once) and per-query latency for each ef of the sweep, and the exact scan's latency.
 */
export function measureRecallLatency(options: RecallLatencyOptions): RecallLatencyReport {
  const { vectors, labels, dimension, queries, k, efs, M, efConstruction, onProgress } = options;
  const seed = options.seed ?? DEFAULT_SEED;
  const count = labels.length;
  const nQueries = queryCount(queries, dimension);
  if (count === 0) throw new InputError('there are no vectors to benchmark');
  if (nQueries === 0) throw new InputError('there are no queries to benchmark with');
  if (!Number.isInteger(k) || k < 1) throw new InputError(`k must be a positive integer, got ${String(k)}`);
  if (efs.length === 0) throw new InputError('the ef sweep is empty');
  for (const ef of efs)
    if (!Number.isInteger(ef) || ef < 1) throw new InputError(`ef must be a positive integer, got ${String(ef)}`);

  const exact = new ExactIndex(dimension);
  exact.add(vectors, labels);
  const ground = exactGroundTruth(exact, queries, k, {
    ...(options.warmup === undefined ? {} : { warmup: options.warmup }),
    ...(onProgress === undefined ? {} : { onProgress }),
  });

  const build = buildHnswTimed(
    vectors,
    labels,
    { dimension, M, efConstruction, seed, ...(options.threads === undefined ? {} : { threads: options.threads }) },
    onProgress,
  );
  const sweep: EfFigures[] = [];
  for (const [i, ef] of efs.entries()) {
    sweep.push(measureEf(build.index, queries, k, ef, ground.truth, options.warmup));
    onProgress?.('sweep', i + 1, efs.length, `ef=${ef}`);
  }
  return {
    count,
    dimension,
    queries: nQueries,
    k,
    hnsw: {
      M,
      efConstruction,
      seed,
      threads: build.index.insertThreads,
      build: hnswlibBinding().build,
      buildDetail: hnswlibBinding().detail,
    },
    build: { seconds: round(build.seconds, 3), vectorsPerSecond: Math.round(build.vectorsPerSecond) },
    exact: ground.figures,
    sweep,
  };
}

function warm(index: VectorIndex, queries: Float32Array, k: number, options: { ef?: number }, runs: number): void {
  const { dimension } = index;
  const count = queryCount(queries, dimension);
  for (let i = 0; i < Math.min(runs, count); i++)
    index.search(queries.subarray(i * dimension, (i + 1) * dimension), k, options);
}

/** p50, p99, mean (microseconds) and one-at-a-time QPS of per-query times in microseconds. */
export function latencyFigures(micros: Float64Array): LatencyFigures {
  const summary = summarize(micros);
  const totalSeconds = (summary.mean * summary.count) / 1e6;
  return {
    p50Us: round(summary.p50, 1),
    p99Us: round(summary.p99, 1),
    meanUs: round(summary.mean, 1),
    qps: totalSeconds > 0 ? Math.round(summary.count / totalSeconds) : 0,
  };
}

function queryCount(queries: Float32Array, dimension: number): number {
  if (queries.length % dimension !== 0)
    throw new InputError(`${queries.length} query floats are not a whole number of ${dimension}-d vectors`);
  return queries.length / dimension;
}

function elapsedMicros(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e3;
}

function elapsedSeconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
