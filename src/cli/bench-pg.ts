import type { EfFigures, LatencyFigures } from '../bench/recall-latency.js';
import { sampleQueries } from '../bench/sample-queries.js';
import { InputError } from '../errors.js';
import { cachedCalibrationQueries } from '../library/cached-queries.js';
import { kindFor } from '../library/index-sync.js';
import { pgCacheDir } from '../library/pg-library.js';
import { PG_MAX_EF_SEARCH } from '../pg/ef-search-limit.js';
import { PgSearchStorage } from '../pg/pg-search-storage.js';
import { parsePgTarget } from '../pg/target.js';
import type { QueryModality } from '../store/search-ef.js';
import { measurePgKind, type PgKindFigures } from './bench-pg-measure.js';
import { info, printJson } from './shared-options.js';

export interface PgBenchFlags {
  queries: number;
  k: number;
  efs: readonly number[];
  seed: number;
  json: boolean;
}

/** What a folder bench reports that a PostgreSQL bench does not measure, and why. */
const NOT_APPLICABLE = {
  build: 'the HNSW index is built by PostgreSQL (pgvector) when segments are written; the bench searches it as it is',
  threads: 'PostgreSQL builds the index with its own workers',
  seed: 'pgvector chooses HNSW levels itself; the seed picks only the queries',
} as const;

/**
 * `vsearch bench --lib postgres://...`: recall@k and latency over an ef sweep of the library's
 * pgvector HNSW index against an exact SQL scan (the ground truth), for in-distribution
 * queries (the library's own vectors, nudged, as a folder bench samples them) and for each
 * cross-modal modality the local query cache holds. Read-only: the library is not changed.
 */
export async function runPgBench(url: string, flags: PgBenchFlags): Promise<void> {
  const over = flags.efs.find((ef) => ef > PG_MAX_EF_SEARCH);
  if (over !== undefined)
    throw new InputError(
      `--ef ${over} is above ${PG_MAX_EF_SEARCH}, pgvector's hnsw.ef_search limit: sweep efs from 1 to ${PG_MAX_EF_SEARCH} on a PostgreSQL library`,
    );
  const target = parsePgTarget(url);
  const storage = await PgSearchStorage.open(target, pgCacheDir(target.shown));
  try {
    const source = await storage.recallSource();
    const { manifest } = storage;
    const dimension = manifest.dimension ?? 0;
    if (source === undefined || dimension === 0)
      throw new InputError(`the library ${target.shown} holds no segments: sync or build segments into it first`);
    const vectors = await source.vectors();
    const own = sampleQueries({ vectors, dimension, count: flags.queries, seed: flags.seed });
    const video = await measurePgKind(source.index, split(own, dimension), flags.k, flags.efs);
    const cached = await cachedCalibrationQueries(storage.queryCache, manifest.model, dimension);
    for (const file of cached.unreadable) info(`the cached query ${file} could not be read; the bench leaves it out`);
    const modalities: Partial<Record<QueryModality, PgKindFigures & { source: 'cached' }>> = {};
    for (const modality of ['text', 'image', 'audio'] as const satisfies readonly QueryModality[]) {
      const queries = cached.queries.filter((query) => query.modality === modality);
      if (queries.length === 0) continue;
      const figures = await measurePgKind(
        source.index,
        queries.slice(0, flags.queries).map((q) => q.vector),
        flags.k,
        flags.efs,
      );
      modalities[modality] = { ...figures, source: 'cached' };
    }
    const report: PgBenchReport = {
      data: {
        source: 'postgres',
        library: target.shown,
        id: manifest.id,
        model: manifest.model,
        count: manifest.counts.segments,
        dimension,
        seed: flags.seed,
        searched_as: kindFor(manifest),
      },
      count: manifest.counts.segments,
      dimension,
      queries: video.queries,
      k: flags.k,
      hnsw: {
        M: manifest.index.M,
        efConstruction: manifest.index.efConstruction,
        seed: null,
        threads: null,
        build: 'pgvector',
        buildDetail: 'the index in PostgreSQL',
      },
      build: null,
      not_applicable: NOT_APPLICABLE,
      exact: video.exact,
      sweep: video.sweep,
      modalities,
    };
    if (flags.json) printJson(report);
    else process.stdout.write(formatPgBench(report));
  } finally {
    await storage.close();
  }
}

interface PgBenchReport {
  data: Record<string, string | number | null>;
  count: number;
  dimension: number;
  queries: number;
  k: number;
  hnsw: { M: number; efConstruction: number; seed: null; threads: null; build: 'pgvector'; buildDetail: string };
  build: null;
  not_applicable: typeof NOT_APPLICABLE;
  /** The exact SQL scan of the video queries (their ground truth). */
  exact: LatencyFigures;
  /** The video (in-distribution) queries' sweep, as a folder bench's. */
  sweep: EfFigures[];
  /** Cross-modal queries of the local query cache, by modality. */
  modalities: Partial<Record<QueryModality, PgKindFigures & { source: 'cached' }>>;
}

function split(flat: Float32Array, dimension: number): Float32Array[] {
  return Array.from({ length: flat.length / dimension }, (_, q) => flat.subarray(q * dimension, (q + 1) * dimension));
}

const QUERIES_OF = { video: "of the library's own vectors, nudged", cached: 'cached query embeddings' };

function formatPgBench(report: PgBenchReport): string {
  const kinds: [string, PgKindFigures][] = [
    ['video', { queries: report.queries, exact: report.exact, sweep: report.sweep }],
    ...(Object.entries(report.modalities) as [string, PgKindFigures][]),
  ];
  const lines = [
    `data    ${report.count} x ${report.dimension} (PostgreSQL library ${String(report.data['library'])}, ` +
      `searched as ${String(report.data['searched_as'])}), k=${report.k}`,
    `index   pgvector HNSW M=${report.hnsw.M} efConstruction=${report.hnsw.efConstruction}; build not measured: ${NOT_APPLICABLE.build}`,
    ...kinds.flatMap(([kind, figures]) => [
      '',
      `${kind} queries: ${figures.queries} ${kind === 'video' ? QUERIES_OF.video : QUERIES_OF.cached}; ` +
        `exact SQL scan p50 ${figures.exact.p50Us.toFixed(0)} us, p99 ${figures.exact.p99Us.toFixed(0)} us, ${figures.exact.qps} QPS`,
      row(['ef', `recall@${report.k}`, 'p50 us', 'p99 us', 'QPS']),
      ...figures.sweep.map((r) =>
        row([String(r.ef), r.recall.toFixed(4), r.p50Us.toFixed(0), r.p99Us.toFixed(0), String(r.qps)]),
      ),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => cell.padStart(i === 0 ? 6 : 10)).join('  ');
}
