import type { Command } from 'commander';
import { type BenchProgress, measureRecallLatency, type RecallLatencyReport } from '../bench/recall-latency.js';
import { sampleQueries } from '../bench/sample-queries.js';
import { syntheticQueries, syntheticVectors } from '../bench/synthetic.js';
import { InputError } from '../errors.js';
import { isPgUrl } from '../pg/target.js';
import { SegmentStore } from '../store/index.js';
import { runCalibration } from './bench-calibrate.js';
import { runPgBench } from './bench-pg.js';
import { isQueryCount, parseQueryCount, readQuerySample } from './bench-sample.js';
import { jsonOption, libOption, parseInteger, parseNumber, printJson } from './shared-options.js';
import { openStatusLine, type StatusLine, statusMode } from './status-line.js';

interface BenchFlags {
  lib: string;
  synthetic?: string;
  dim?: string;
  queries?: string;
  k?: string;
  ef?: string;
  M?: string;
  efConstruction?: string;
  seed?: string;
  threads?: string;
  calibrateRecall?: string;
  json?: boolean;
}

interface BenchData {
  vectors: Float32Array;
  labels: Uint32Array;
  dimension: number;
  queries: Float32Array;
  /** Where the data came from, for the report. */
  source: Record<string, string | number | null>;
  M: number;
  efConstruction: number;
}

const DEFAULT_BENCH_DIMENSION = 512;
const DEFAULT_BENCH_QUERIES = 1000;
const DEFAULT_BENCH_K = 10;
const DEFAULT_BENCH_EFS = [16, 32, 64, 128] as const;
const DEFAULT_M = 16;
const DEFAULT_EF_CONSTRUCTION = 200;
const SYNTHETIC_CLUSTERS = 64;
const MAX_EF = 100_000;

const BENCH_EXAMPLES = `
Examples:
  vsearch bench --synthetic 10000 --dim 1024 --ef 16,32,64,128
  vsearch bench --synthetic 20000 --threads 1 --seed 3 --json
  vsearch bench --lib ./vsearch-lib --queries 200 --M 32 --ef-construction 200
  vsearch bench --lib ./vsearch-lib --calibrate-recall 0.99
  vsearch bench --lib 'postgres://me@db:5432/videos?library=clips' --ef 16,64,256,1000
`;

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'measure HNSW build speed, recall@k against exact search, and query latency, on a library or seeded synthetic data',
    )
    .addOption(libOption())
    .option('--synthetic <n>', 'use n seeded, clustered synthetic vectors instead of a library')
    .option('--dim <d>', `dimension of the synthetic vectors (default ${DEFAULT_BENCH_DIMENSION})`)
    .option(
      '--queries <q>',
      `number of queries (default ${DEFAULT_BENCH_QUERIES}); with --calibrate-recall, a JSONL file of {"vector":[...],"modality":"text"} queries to measure on (or a number of the library's own vectors)`,
    )
    .option('--k <k>', `neighbours per query, the k of recall@k (default ${DEFAULT_BENCH_K})`)
    .option(
      '--ef <list>',
      `comma-separated search breadths to sweep, each raised to k when smaller (default ${DEFAULT_BENCH_EFS.join(',')})`,
    )
    .option('--M <m>', `HNSW links per node (default: the library's, else ${DEFAULT_M})`)
    .option('--ef-construction <n>', `HNSW build breadth (default: the library's, else ${DEFAULT_EF_CONSTRUCTION})`)
    .option(
      '--seed <s>',
      'seed of the data, the queries and the HNSW level generator (default 1; with --threads 1 the same graph every run)',
    )
    .option('--threads <n>', 'threads that build the HNSW graph (default: every core)')
    .option(
      '--calibrate-recall <target>',
      "find, per query modality, the smallest ef whose recall@k meets the target (e.g. 0.99), measured on --queries FILE, else cached queries (50 or more of a modality), else the library's own vectors (optimistic), and store it for later searches",
    )
    .addOption(jsonOption())
    .addHelpText('after', BENCH_EXAMPLES)
    .action(async (flags: BenchFlags) => {
      const k = flags.k === undefined ? DEFAULT_BENCH_K : parseInteger('--k', flags.k, 1, 10_000);
      const seed = flags.seed === undefined ? 1 : parseInteger('--seed', flags.seed, 0, 0xffff_ffff);
      if (flags.calibrateRecall !== undefined) {
        if (flags.synthetic !== undefined)
          throw new InputError('--calibrate-recall tunes a library: use it with --lib DIR, not --synthetic');
        const target = parseNumber('--calibrate-recall', flags.calibrateRecall);
        const count =
          flags.queries !== undefined && isQueryCount(flags.queries) ? parseQueryCount(flags.queries) : undefined;
        const sample =
          flags.queries !== undefined && count === undefined ? await readQuerySample(flags.queries) : undefined;
        const efs = flags.ef === undefined ? undefined : parseEfList(flags.ef);
        await runCalibration(flags.lib, target, { k, queries: count, sample, efs, seed, json: flags.json ?? false });
        return;
      }
      const queries =
        flags.queries === undefined ? DEFAULT_BENCH_QUERIES : parseInteger('--queries', flags.queries, 1, 1_000_000);
      const efs = flags.ef === undefined ? [...DEFAULT_BENCH_EFS] : parseEfList(flags.ef);
      const M = flags.M === undefined ? undefined : parseInteger('--M', flags.M, 2, 2048);
      const efConstruction =
        flags.efConstruction === undefined
          ? undefined
          : parseInteger('--ef-construction', flags.efConstruction, 1, MAX_EF);
      const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, 1, 1024);
      if (flags.synthetic === undefined && flags.dim !== undefined)
        throw new InputError('--dim applies only with --synthetic: a library has its own dimension');

      if (flags.synthetic === undefined && isPgUrl(flags.lib)) {
        const folderOnly = [
          ['--M', flags.M],
          ['--ef-construction', flags.efConstruction],
          ['--threads', flags.threads],
        ].find(([, value]) => value !== undefined);
        if (folderOnly !== undefined)
          throw new InputError(
            `${folderOnly[0]} does not apply to a PostgreSQL library: the bench searches the HNSW index the database holds; leave it out`,
          );
        await runPgBench(flags.lib, { queries, k, efs, seed, json: flags.json ?? false });
        return;
      }
      const data =
        flags.synthetic === undefined
          ? await libraryData(flags.lib, queries, seed)
          : syntheticData(
              parseInteger('--synthetic', flags.synthetic, 1, 10_000_000),
              flags.dim === undefined ? DEFAULT_BENCH_DIMENSION : parseInteger('--dim', flags.dim, 1, 65_536),
              queries,
              seed,
            );

      const report = measureRecallLatency({
        vectors: data.vectors,
        labels: data.labels,
        dimension: data.dimension,
        queries: data.queries,
        k,
        efs,
        M: M ?? data.M,
        efConstruction: efConstruction ?? data.efConstruction,
        seed,
        ...(threads === undefined ? {} : { threads }),
        ...(statusMode(process.stderr) === 'off' ? {} : { onProgress: benchProgress(openStatusLine(process.stderr)) }),
      });
      if (flags.json) printJson({ data: data.source, ...report });
      else process.stdout.write(formatHuman(data.source, report));
    });
}

function parseEfList(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === ''))
    throw new InputError(`--ef must be a comma-separated list of integers, got ${JSON.stringify(text)}`);
  return parts.map((part) => parseInteger('--ef', part, 1, MAX_EF));
}

function syntheticData(count: number, dimension: number, queries: number, seed: number): BenchData {
  const shape = { dimension, seed, clusters: SYNTHETIC_CLUSTERS };
  return {
    vectors: syntheticVectors({ ...shape, count }),
    labels: Uint32Array.from({ length: count }, (_, i) => i),
    dimension,
    queries: syntheticQueries({ ...shape, count: queries }),
    source: { source: 'synthetic', count, dimension, clusters: SYNTHETIC_CLUSTERS, seed },
    M: DEFAULT_M,
    efConstruction: DEFAULT_EF_CONSTRUCTION,
  };
}

async function libraryData(dir: string, queries: number, seed: number): Promise<BenchData> {
  const store = await SegmentStore.open(dir);
  const { manifest } = store;
  const files = await store.allFiles();
  const count = files.reduce((sum, file) => sum + file.count, 0);
  const dimension = manifest.dimension ?? files[0]?.dimension;
  if (count === 0 || dimension === undefined)
    throw new InputError(`the library at ${dir} holds no segments: build it first, or use --synthetic N`);
  const vectors = new Float32Array(count * dimension);
  const labels = new Uint32Array(count);
  let row = 0;
  for (const file of files) {
    vectors.set(file.vectors, row * dimension);
    labels.set(file.labels, row);
    row += file.count;
  }
  return {
    vectors,
    labels,
    dimension,
    queries: sampleQueries({ vectors, dimension, count: queries, seed }),
    source: { source: 'library', dir, id: manifest.id, model: manifest.model, count, dimension, seed },
    M: manifest.index.M,
    efConstruction: manifest.index.efConstruction,
  };
}

const STAGE_NAMES = { build: 'building HNSW', exact: 'exact ground truth', sweep: 'ef sweep' } as const;

/** One status line per stage, ended when the stage is done. */
export function benchProgress(line: StatusLine): BenchProgress {
  return (stage, done, total, detail) => {
    line.update(`${STAGE_NAMES[stage]} ${done}/${total}${detail === undefined ? '' : ` (${detail})`}`);
    if (done === total) line.end();
  };
}

function formatHuman(source: BenchData['source'], report: RecallLatencyReport): string {
  const origin =
    source['source'] === 'synthetic' ? `synthetic, seed ${String(source['seed'])}` : `library ${String(source['dir'])}`;
  const threads = `${report.hnsw.threads} thread${report.hnsw.threads === 1 ? '' : 's'}`;
  const lines = [
    `data    ${report.count} x ${report.dimension} (${origin}), ${report.queries} queries, k=${report.k}`,
    `build   HNSW M=${report.hnsw.M} efConstruction=${report.hnsw.efConstruction}, ${threads}: ` +
      `${report.build.seconds.toFixed(2)} s, ${report.build.vectorsPerSecond} vectors/s`,
    `hnswlib ${report.hnsw.build} build (${report.hnsw.buildDetail})`,
    `exact   p50 ${report.exact.p50Us.toFixed(0)} us, p99 ${report.exact.p99Us.toFixed(0)} us, ${report.exact.qps} QPS`,
    '',
    row(['ef', `recall@${report.k}`, 'p50 us', 'p99 us', 'QPS']),
    ...report.sweep.map((r) =>
      row([String(r.ef), r.recall.toFixed(4), r.p50Us.toFixed(0), r.p99Us.toFixed(0), String(r.qps)]),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => cell.padStart(i === 0 ? 6 : 10)).join('  ');
}
