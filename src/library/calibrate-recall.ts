import { InputError } from '../errors.js';
import { meanRecall } from '../index/recall.js';
import { mulberry32 } from '../random/seeded-random.js';
import { round } from '../round.js';
import {
  type CalibrationSource,
  QUERY_MODALITIES,
  type QueryModality,
  type RecallCalibrationRecord,
} from '../store/index.js';
import type { RecallProbe, StoredRows } from './recall-probe.js';

/** A query of a known modality to calibrate on (a cached embedding, or one of a caller's sample). */
export interface CalibrationQuery {
  modality: QueryModality;
  vector: Float32Array;
}

export interface CalibrateRecallOptions {
  /** The k of recall@k (default 10: a page of hits). */
  k?: number | undefined;
  /** How many stored vectors serve as queries (default 300, at most the library's size). */
  queries?: number | undefined;
  /** Search breadths to try, smallest first (default CALIBRATION_EFS). */
  efs?: readonly number[] | undefined;
  /** Seed of the sample (default 1): the same seed on the same library gives the same answer. */
  seed?: number | undefined;
  /** A caller's sample of real queries (unit vectors of the library's dimension): measured first, per modality. */
  sample?: readonly CalibrationQuery[] | undefined;
  /** Query embeddings from the library's cache: a modality's are used when there are at least MIN_CACHED_QUERIES. */
  cached?: readonly CalibrationQuery[] | undefined;
}

export interface CalibrationPoint {
  ef: number;
  recall: number;
  /** Mean time of one HNSW search at this ef, in microseconds. */
  meanUs: number;
}

/** One modality's measurement. */
export interface ModalityResult {
  /** The smallest ef of the sweep whose recall@k meets the target. */
  ef: number;
  recall: number;
  source: CalibrationSource;
  count: number;
  /** Every ef tried, in order; the sweep stops at the first that meets the target. */
  sweep: CalibrationPoint[];
}

export interface RecallCalibration {
  target: number;
  /** In-distribution (video) queries' ef, recall, query count and sweep (as before per-modality calibration). */
  ef: number;
  recall: number;
  k: number;
  queries: number;
  segments: number;
  sweep: CalibrationPoint[];
  /** Every modality measured, and on what. */
  modalities: Partial<Record<QueryModality, ModalityResult>>;
  /** Cross-modal modalities with nothing to measure on: their recall is not known. */
  unmeasured: QueryModality[];
  /** Cross-modal modalities measured but no swept ef reached the target: not stored, their best point given. */
  unreached: Partial<Record<QueryModality, ModalityResult>>;
  /** How many cached query embeddings of each modality the cache held (used when at least MIN_CACHED_QUERIES). */
  cachedCounts: Partial<Record<QueryModality, number>>;
}

/** The fewest cached queries of a modality that calibrate it: fewer measure recall too coarsely to trust. */
export const MIN_CACHED_QUERIES = 50;

/**
 * Cross-modal queries can need ef in the thousands on large libraries (README "Benchmarks"):
 * text-like recall@10 0.99 needed more than 8192 at 200k x 1024, and the default text ef at 1M
 * is 20191, so the sweep reaches the widest default (32768). It stops at the first ef that
 * meets the target, so a small library never searches that wide.
 */
const CALIBRATION_EFS: readonly number[] = [
  10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384,
  24576, 32768,
];
const DEFAULT_CALIBRATION_QUERIES = 300;
const DEFAULT_K = 10;

/** Throws unless `target` is a recall in (0, 1]. */
export function assertRecallTarget(target: number): void {
  if (typeof target !== 'number' || !Number.isFinite(target) || target <= 0 || target > 1) {
    throw new InputError(`the recall target must be a number in (0, 1], such as 0.95 or 0.99; got ${String(target)}`);
  }
}

/**
 * Measures recall@k of the library's HNSW index against exact search at each ef of a
 * sweep, per query modality, and returns the smallest ef that meets `target` for each. A
 * modality is measured on the caller's sample of it when given, else on the cached query
 * embeddings of it when there are at least MIN_CACHED_QUERIES, else (in-distribution video
 * queries only) on the library's own vectors, its own row left out of both answers: those
 * read optimistic against fresh queries, and a cross-modal modality with none of its own
 * queries is left unmeasured (listed in `unmeasured`). The probe is the backend (a folder's
 * hnswlib graph, a PostgreSQL library's pgvector index). Stores nothing.
 */
export async function calibrateRecall(
  probe: RecallProbe,
  target: number,
  options: CalibrateRecallOptions = {},
): Promise<RecallCalibration> {
  assertRecallTarget(target);
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`k must be a positive integer, got ${String(k)}`);
  const efs = calibrationEfs(options.efs, probe.maxEf);
  const { segments } = probe;
  if (segments === 0) throw new InputError('the library is empty: build or import segments before calibrating recall');
  if (probe.kind === 'exact') {
    throw new InputError(
      `the library is too small to calibrate: its ${segments} segments are searched exactly (the index switches to HNSW at ${probe.exactBelow}), so every search already has recall 1`,
    );
  }
  if (segments <= k)
    throw new InputError(
      `the library is too small to calibrate recall@${k}: it holds ${segments} segments and needs more than ${k}`,
    );
  for (const query of [...(options.sample ?? []), ...(options.cached ?? [])]) {
    if (query.vector.length !== probe.dimension)
      throw new InputError(
        `a ${query.modality} calibration query has ${query.vector.length} dimensions but the library holds ${probe.dimension}-d embeddings`,
      );
  }

  const cachedCounts: Partial<Record<QueryModality, number>> = {};
  for (const query of options.cached ?? []) cachedCounts[query.modality] = (cachedCounts[query.modality] ?? 0) + 1;
  const modalities: Partial<Record<QueryModality, ModalityResult>> = {};
  const unmeasured: QueryModality[] = [];
  const unreached: Partial<Record<QueryModality, ModalityResult>> = {};
  for (const modality of QUERY_MODALITIES) {
    const sample = (options.sample ?? []).filter((query) => query.modality === modality);
    const cached = (options.cached ?? []).filter((query) => query.modality === modality);
    let measured: ModalityResult | undefined;
    const external =
      sample.length > 0
        ? { queries: sample, source: 'sample' as const }
        : cached.length >= MIN_CACHED_QUERIES
          ? { queries: cached, source: 'cached' as const }
          : undefined;
    if (external !== undefined) {
      measured = await sweepExternal(probe, external.queries, external.source, { k, efs, target, modality });
      if (measured.recall < target) {
        if (modality === 'video') throw unreachedError(measured, { k, efs, target, modality }, probe.rebuildHint);
        unreached[modality] = measured;
        continue;
      }
    } else if (modality === 'video') {
      const own = sampleStoredRows(
        await probe.storedRows(),
        Math.min(options.queries ?? DEFAULT_CALIBRATION_QUERIES, segments),
        options.seed ?? 1,
      );
      if (own.length === 0) throw new InputError('the calibration needs at least one query');
      const truth: Uint32Array[] = [];
      for (const query of own) truth.push(withoutSelf(await probe.exactTopK(query.vector, k + 1), query.label, k));
      measured = await sweepEfs(efs, target, 'own', truth, async (ef) => {
        const found: Uint32Array[] = [];
        for (const query of own) found.push(withoutSelf(await probe.searchAt(query.vector, k + 1, ef), query.label, k));
        return found;
      });
      if (measured.recall < target) throw unreachedError(measured, { k, efs, target, modality }, probe.rebuildHint);
    }
    if (measured === undefined) unmeasured.push(modality);
    else modalities[modality] = measured;
  }
  const video = modalities.video as ModalityResult;
  return {
    target,
    ef: video.ef,
    recall: video.recall,
    k,
    queries: video.count,
    segments,
    sweep: video.sweep,
    modalities,
    unmeasured,
    unreached,
    cachedCounts,
  };
}

/** The sweep, smallest first: the caller's, or the default up to the backend's widest ef (and that ef itself). */
function calibrationEfs(given: readonly number[] | undefined, maxEf: number): number[] {
  if (given !== undefined) {
    const efs = [...given].sort((a, b) => a - b);
    if (efs.length === 0 || efs.some((ef) => !Number.isInteger(ef) || ef < 1))
      throw new InputError(`the ef sweep must list positive integers, got ${efs.join(',')}`);
    const over = efs.find((ef) => ef > maxEf);
    if (over !== undefined)
      throw new InputError(
        `ef ${over} is above ${maxEf}, the widest search this library's index allows; sweep efs from 1 to ${maxEf}`,
      );
    return efs;
  }
  const efs = CALIBRATION_EFS.filter((ef) => ef <= maxEf);
  return Number.isFinite(maxEf) && !efs.includes(maxEf) ? [...efs, maxEf] : efs;
}

/** The stored record of a calibration: what it measured, per modality. */
export function calibrationRecord(calibration: RecallCalibration, calibratedAt: string): RecallCalibrationRecord {
  const { target, recall, k, queries, segments } = calibration;
  const modalities: RecallCalibrationRecord['modalities'] = {};
  for (const [modality, result] of Object.entries(calibration.modalities) as [QueryModality, ModalityResult][]) {
    modalities[modality] = { ef: result.ef, recall: result.recall, source: result.source, count: result.count };
  }
  return { target, recall, k, queries, segments, modalities, calibratedAt };
}

interface SweepShape {
  k: number;
  efs: readonly number[];
  target: number;
  modality: QueryModality;
}

async function sweepExternal(
  probe: RecallProbe,
  queries: readonly CalibrationQuery[],
  source: CalibrationSource,
  shape: SweepShape,
): Promise<ModalityResult> {
  const truth: Uint32Array[] = [];
  for (const query of queries) truth.push(await probe.exactTopK(query.vector, shape.k));
  return sweepEfs(shape.efs, shape.target, source, truth, async (ef) => {
    const found: Uint32Array[] = [];
    for (const query of queries) found.push(await probe.searchAt(query.vector, shape.k, ef));
    return found;
  });
}

/** Sweeps until an ef meets the target; when none does, the best point (recall below the target). */
async function sweepEfs(
  efs: readonly number[],
  target: number,
  source: CalibrationSource,
  truth: Uint32Array[],
  searchAt: (ef: number) => Promise<Uint32Array[]>,
): Promise<ModalityResult> {
  const sweep: CalibrationPoint[] = [];
  for (const ef of efs) {
    const start = process.hrtime.bigint();
    const found = await searchAt(ef);
    const meanUs = Number(process.hrtime.bigint() - start) / 1e3 / truth.length;
    const recall = meanRecall(found, truth);
    sweep.push({ ef, recall: round(recall, 6), meanUs: round(meanUs, 1) });
    if (recall >= target) return { ef, recall: round(recall, 6), source, count: truth.length, sweep };
  }
  const best = sweep.reduce((a, b) => (b.recall > a.recall ? b : a));
  return { ef: best.ef, recall: best.recall, source, count: truth.length, sweep };
}

function unreachedError(best: ModalityResult, shape: SweepShape, rebuildHint: string): InputError {
  return new InputError(
    `no ef up to ${shape.efs[shape.efs.length - 1]} reaches recall@${shape.k} ${shape.target}: the best was ${best.recall} at ef=${best.ef}, on ${best.count} ${shape.modality} queries (${best.source}); ask for a lower target, or ${rebuildHint}`,
  );
}

interface StoredQuery {
  label: number;
  vector: Float32Array;
}

/** `count` distinct rows across the files, chosen by a seeded partial Fisher-Yates shuffle. */
function sampleStoredRows(files: readonly StoredRows[], count: number, seed: number): StoredQuery[] {
  const starts: number[] = [];
  let total = 0;
  for (const file of files) {
    starts.push(total);
    total += file.count;
  }
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  const random = mulberry32(seed);
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
const RECALIBRATE_GROWTH = 1.2;

/**
 * Whether the stored calibration answers a request for `target` for queries of `modality`:
 * it was measured for at least that recall with the same k, on a library at most
 * RECALIBRATE_GROWTH times smaller or larger, and it measured that modality (records before
 * per-modality calibration measured in-distribution queries only).
 */
export function calibrationCovers(
  calibration: RecallCalibrationRecord | undefined,
  target: number,
  k: number,
  segments: number,
  modality: QueryModality = 'video',
): boolean {
  if (calibration === undefined) return false;
  const measured =
    calibration.modalities === undefined ? modality === 'video' : calibration.modalities[modality] !== undefined;
  return measured && calibrationCurrent(calibration, target, k, segments);
}

/** Whether a calibration was for at least `target` at this k, on a library of about this size. */
export function calibrationCurrent(
  calibration: RecallCalibrationRecord | undefined,
  target: number,
  k: number,
  segments: number,
): boolean {
  if (calibration === undefined) return false;
  return (
    calibration.target >= target &&
    calibration.k === k &&
    segments <= calibration.segments * RECALIBRATE_GROWTH &&
    segments >= calibration.segments / RECALIBRATE_GROWTH
  );
}
