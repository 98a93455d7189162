import { type EfFigures, type LatencyFigures, latencyFigures, meanRecall } from '../bench/recall-latency.js';
import type { PgIndex } from '../pg/pg-index.js';
import { round } from '../round.js';

/** One kind of query measured on a PostgreSQL library: the exact SQL scan's latency, then recall and latency per ef. */
export interface PgKindFigures {
  queries: number;
  exact: LatencyFigures;
  sweep: EfFigures[];
}

/** Untimed queries before each timed pass (connections and caches warm). */
const WARMUP = 5;

/**
 * Times the exact scan (the index bypassed) of every query, which is the ground truth, then
 * each ef of the sweep through pgvector's HNSW index, one query at a time as a search asks.
 * Each ef is raised to k when smaller: pgvector returns at most ef_search rows.
 */
export async function measurePgKind(
  index: PgIndex,
  queries: readonly Float32Array[],
  k: number,
  efs: readonly number[],
): Promise<PgKindFigures> {
  const exact = await timed(queries, (query) => index.nearest(query, k, 'exact'));
  const sweep: EfFigures[] = [];
  for (const requested of efs) {
    const ef = Math.max(requested, k);
    const found = await timed(queries, (query) => index.nearest(query, k, ef));
    sweep.push({ ef, recall: round(meanRecall(found.labels, exact.labels), 6), ...found.figures });
  }
  return { queries: queries.length, exact: exact.figures, sweep };
}

async function timed(
  queries: readonly Float32Array[],
  search: (query: Float32Array) => Promise<{ labels: Uint32Array }>,
): Promise<{ labels: Uint32Array[]; figures: LatencyFigures }> {
  for (const query of queries.slice(0, WARMUP)) await search(query);
  const labels: Uint32Array[] = [];
  const times = new Float64Array(queries.length);
  for (const [i, query] of queries.entries()) {
    const start = process.hrtime.bigint();
    labels.push((await search(query)).labels);
    times[i] = Number(process.hrtime.bigint() - start) / 1e3;
  }
  return { labels, figures: latencyFigures(times) };
}
