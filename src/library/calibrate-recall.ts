import { round } from '../bench/percentiles.js';
import { meanRecall } from '../bench/recall-latency.js';
import { seededRandom } from '../bench/synthetic.js';
import { InputError } from '../errors.js';
import { ExactIndex, type VectorIndex } from '../index/index.js';
import type { RecallCalibrationRecord, SegmentStore } from '../store/index.js';

export interface CalibrateRecallOptions {
  /** The k of recall@k (default 10: a page of hits). */
  k?: number | undefined;
  /** How many stored vectors serve as queries (default 300, at most the library's size). */
  queries?: number | undefined;
  /** Search breadths to try, smallest first (default CALIBRATION_EFS). */
  efs?: readonly number[] | undefined;
  /** Seed of the sample (default 1): the same seed on the same library gives the same answer. */
  seed?: number | undefined;
}

export interface CalibrationPoint {
  ef: number;
  recall: number;
  /** Mean time of one HNSW search at this ef, in microseconds. */
  meanUs: number;
}

export interface RecallCalibration {
  target: number;
  /** The smallest ef of the sweep whose recall@k meets the target. */
  ef: number;
  recall: number;
  k: number;
  queries: number;
  segments: number;
  /** Every ef tried, in order; the sweep stops at the first that meets the target. */
  sweep: CalibrationPoint[];
}

export const CALIBRATION_EFS: readonly number[] = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];
export const DEFAULT_CALIBRATION_QUERIES = 300;
const DEFAULT_K = 10;

/** Throws unless `target` is a recall in (0, 1]. */
export function assertRecallTarget(target: number): void {
  if (typeof target !== 'number' || !Number.isFinite(target) || target <= 0 || target > 1) {
    throw new InputError(`the recall target must be a number in (0, 1], such as 0.95 or 0.99; got ${String(target)}`);
  }
}

/**
 * Measures recall@k of the library's HNSW index against exact search at each ef of a
 * sweep, on queries drawn from the library's own vectors, and returns the smallest ef
 * that meets `target`. Each query is a stored vector and its own row is left out of both
 * the exact and the HNSW answer (it would be found at any ef and flatter the figure), so
 * recall is measured on a query's true neighbours. Such queries still read a little
 * optimistic against fresh ones (the graph leads straight to a stored point), which callers
 * should leave a margin for (README: about one more nine). Stores nothing.
 */
export async function calibrateRecall(store: SegmentStore, index: VectorIndex | undefined, target: number, options: CalibrateRecallOptions = {}): Promise<RecallCalibration> {
  assertRecallTarget(target);
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`k must be a positive integer, got ${String(k)}`);
  const efs = [...(options.efs ?? CALIBRATION_EFS)].sort((a, b) => a - b);
  if (efs.length === 0 || efs.some((ef) => !Number.isInteger(ef) || ef < 1)) throw new InputError(`the ef sweep must list positive integers, got ${efs.join(',')}`);
  const segments = index?.size ?? 0;
  if (index === undefined || segments === 0) throw new InputError('the library is empty: build or import segments before calibrating recall');
  if (index.kind === 'exact') {
    const { exactBelow } = store.manifest.index;
    throw new InputError(
      `the library is too small to calibrate: its ${segments} segments are searched exactly (the index switches to HNSW at ${exactBelow}), so every search already has recall 1`,
    );
  }
  if (segments <= k) throw new InputError(`the library is too small to calibrate recall@${k}: it holds ${segments} segments and needs more than ${k}`);

  const files = await store.allFiles();
  const exact = new ExactIndex(index.dimension);
  for (const file of files) exact.add(file.vectors, file.labels);
  const queries = sampleStoredRows(files, Math.min(options.queries ?? DEFAULT_CALIBRATION_QUERIES, segments), options.seed ?? 1);
  if (queries.length === 0) throw new InputError('the calibration needs at least one query');
  const truth = queries.map((query) => withoutSelf(exact.search(query.vector, k + 1).labels, query.label, k));

  const sweep: CalibrationPoint[] = [];
  for (const ef of efs) {
    const found: Uint32Array[] = [];
    const start = process.hrtime.bigint();
    for (const query of queries) found.push(withoutSelf(index.search(query.vector, k + 1, { ef }).labels, query.label, k));
    const meanUs = Number(process.hrtime.bigint() - start) / 1e3 / queries.length;
    const recall = meanRecall(found, truth);
    sweep.push({ ef, recall: round(recall, 6), meanUs: round(meanUs, 1) });
    if (recall >= target) return { target, ef, recall: round(recall, 6), k, queries: queries.length, segments, sweep };
  }
  const best = sweep.reduce((a, b) => (b.recall > a.recall ? b : a));
  throw new InputError(
    `no ef up to ${efs[efs.length - 1]} reaches recall@${k} ${target}: the best was ${best.recall} at ef=${best.ef}; ask for a lower target, or build a new library with a larger M or efConstruction (openLibrary's index option; from the CLI: vsearch build --lib NEW_DIR --index-m 32 --ef-construction 200 --from ${store.dir}/segments/*.arrow)`,
  );
}

interface StoredQuery {
  label: number;
  vector: Float32Array;
}

/** `count` distinct rows across the files, chosen by a seeded partial Fisher-Yates shuffle. */
function sampleStoredRows(files: readonly { count: number; labels: Uint32Array; vector(row: number): Float32Array }[], count: number, seed: number): StoredQuery[] {
  const starts: number[] = [];
  let total = 0;
  for (const file of files) {
    starts.push(total);
    total += file.count;
  }
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  const random = seededRandom(seed);
  const picked: StoredQuery[] = [];
  for (let slot = 0; slot < Math.min(count, total); slot++) {
    const swap = slot + Math.floor(random() * (total - slot));
    const row = order[swap] as number;
    order[swap] = order[slot] as number;
    order[slot] = row;
    let f = starts.length - 1;
    while ((starts[f] as number) > row) f--;
    const file = files[f];
    if (file === undefined) continue;
    const local = row - (starts[f] as number);
    picked.push({ label: file.labels[local] as number, vector: file.vector(local) });
  }
  return picked;
}

/** The first k labels other than `self`. */
function withoutSelf(labels: Uint32Array, self: number, k: number): Uint32Array {
  const kept = labels.filter((label) => label !== self);
  return kept.length > k ? kept.subarray(0, k) : kept;
}

/** How much a library may grow after a calibration before a search that asks for a recall calibrates again. */
export const RECALIBRATE_GROWTH = 1.2;

/**
 * Whether the stored calibration answers a request for `target`: it was measured for at
 * least that recall with the same k, on a library at most RECALIBRATE_GROWTH times smaller.
 */
export function calibrationCovers(calibration: RecallCalibrationRecord | undefined, target: number, k: number, segments: number): boolean {
  if (calibration === undefined) return false;
  return calibration.target >= target && calibration.k === k && segments <= calibration.segments * RECALIBRATE_GROWTH && segments >= calibration.segments / RECALIBRATE_GROWTH;
}
