// `npm run bench`: end-to-end search latency on a seeded 10k x 512 set (tinybench), vsearch's
// HnswIndex against raw hnswlib-node on the very same graph and ef, and the exact scan;
// plus recall@10 per ef. Writes bench/results/latest.json. Imports the build output (dist/).
import { mkdtemp, mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import hnswlib from 'hnswlib-node';
import { Bench } from 'tinybench';
import { buildHnswTimed, exactGroundTruth, measureEf } from '../dist/bench/recall-latency.js';
import { syntheticQueries, syntheticVectors } from '../dist/bench/synthetic.js';
import { ExactIndex } from '../dist/index/index.js';

const COUNT = 10_000;
const DIMENSION = 512;
const CLUSTERS = 64;
const SEED = 1;
const QUERIES = 500;
const K = 10;
const M = 16;
const EF_CONSTRUCTION = 200;
const EF_SWEEP = [16, 32, 64, 128];
/** The ef of the head-to-head search tasks: the library's default. */
const EF = 64;
const TASK_TIME_MS = 2_000;

const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = join(here, 'results', 'latest.json');
const log = (message) => process.stderr.write(`${message}\n`);

const shape = { dimension: DIMENSION, seed: SEED, clusters: CLUSTERS };
const vectors = syntheticVectors({ ...shape, count: COUNT });
const labels = Uint32Array.from({ length: COUNT }, (_, i) => i);
const queries = syntheticQueries({ ...shape, count: QUERIES });
const queryAt = (q) => queries.subarray(q * DIMENSION, (q + 1) * DIMENSION);

log(`data: ${COUNT} x ${DIMENSION} seeded synthetic vectors (${CLUSTERS} clusters), ${QUERIES} queries`);

const exact = new ExactIndex(DIMENSION);
exact.add(vectors, labels);
const ground = exactGroundTruth(exact, queries, K);
log(`exact ground truth: p50 ${ground.figures.p50Us} us`);

const build = buildHnswTimed(vectors, labels, { dimension: DIMENSION, M, efConstruction: EF_CONSTRUCTION, seed: SEED });
log(`HNSW build: ${build.seconds.toFixed(2)} s (${Math.round(build.vectorsPerSecond)} vectors/s)`);
const hnsw = build.index;
const sweep = EF_SWEEP.map((ef) => measureEf(hnsw, queries, K, ef, ground.truth));
for (const r of sweep) log(`ef=${r.ef}: recall@${K} ${r.recall.toFixed(4)}, p50 ${r.p50Us} us, p99 ${r.p99Us} us`);

// The raw binding loads the graph vsearch built, so both search the same graph and only
// the wrapper differs. Its queries are prepared as number[] up front: that is its input type.
const work = await mkdtemp(join(tmpdir(), 'vsearch-bench-'));
const raw = new hnswlib.HierarchicalNSW('cosine', DIMENSION);
try {
  const graph = join(work, 'graph.bin');
  await hnsw.writeGraph(graph);
  await raw.readIndex(graph);
} finally {
  await rm(work, { recursive: true, force: true });
}
raw.setEf(EF);
const rawQueries = Array.from({ length: QUERIES }, (_, q) => Array.from(queryAt(q)));
const mismatches = countMismatches();
if (mismatches > 0) log(`warning: vsearch and raw hnswlib-node disagree on ${mismatches} of ${QUERIES} queries at ef=${EF}`);

let next = 0;
const nextQuery = () => {
  const q = next;
  next = (next + 1) % QUERIES;
  return q;
};
let sink = 0;
const bench = new Bench({ name: 'vsearch search', time: TASK_TIME_MS, warmupTime: 300, timestampProvider: 'hrtimeNow', throws: true });
bench
  .add(`vsearch HnswIndex.search (ef=${EF}, k=${K})`, () => {
    sink += hnsw.search(queryAt(nextQuery()), K, { ef: EF }).labels.length;
  })
  .add(`hnswlib-node searchKnn (ef=${EF}, k=${K})`, () => {
    sink += raw.searchKnn(rawQueries[nextQuery()], K).neighbors.length;
  })
  .add(`vsearch ExactIndex.search (k=${K})`, () => {
    sink += exact.search(queryAt(nextQuery()), K).labels.length;
  });
log(`tinybench: ${bench.tasks.length} tasks, ${TASK_TIME_MS} ms each`);
await bench.run();
if (sink === 0) throw new Error('the searches returned nothing');

const search = bench.tasks.map((task) => {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`task ${task.name} ended ${result.state}`);
  return {
    name: task.name,
    samples: result.latency.samplesCount,
    meanUs: round(result.latency.mean * 1e3, 2),
    p50Us: round(result.latency.p50 * 1e3, 2),
    p99Us: round(result.latency.p99 * 1e3, 2),
    rmePercent: round(result.latency.rme, 2),
    opsPerSec: Math.round(result.throughput.mean),
  };
});
const [wrapped, native] = search;

const results = {
  generatedAt: new Date().toISOString(),
  environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length },
  data: { source: 'synthetic', count: COUNT, dimension: DIMENSION, clusters: CLUSTERS, seed: SEED, queries: QUERIES },
  hnsw: { M, efConstruction: EF_CONSTRUCTION, seed: SEED },
  build: { seconds: round(build.seconds, 3), vectorsPerSecond: Math.round(build.vectorsPerSecond) },
  recall: { k: K, exact: ground.figures, sweep },
  search,
  wrapper: { ef: EF, p50OverheadUs: round(wrapped.p50Us - native.p50Us, 2), meanRatio: round(wrapped.meanUs / native.meanUs, 3), disagreements: mismatches },
};

await mkdir(dirname(resultsFile), { recursive: true });
await writeFile(`${resultsFile}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
await rename(`${resultsFile}.tmp`, resultsFile);

console.log(`\n${COUNT} x ${DIMENSION}, M=${M} efConstruction=${EF_CONSTRUCTION}: build ${results.build.seconds} s, ${results.build.vectorsPerSecond} vectors/s`);
console.table(sweep.map((r) => ({ ef: r.ef, [`recall@${K}`]: r.recall, 'p50 us': r.p50Us, 'p99 us': r.p99Us, QPS: r.qps })));
console.table(search.map((s) => ({ task: s.name, 'mean us': s.meanUs, 'p50 us': s.p50Us, 'p99 us': s.p99Us, 'ops/s': s.opsPerSec, samples: s.samples })));
console.log(`wrapper overhead at ef=${EF}: ${results.wrapper.p50OverheadUs} us at p50 (mean x${results.wrapper.meanRatio}); results written to ${resultsFile}`);

function countMismatches() {
  let differing = 0;
  for (let q = 0; q < QUERIES; q++) {
    const ours = hnsw.search(queryAt(q), K, { ef: EF }).labels;
    const theirs = raw.searchKnn(rawQueries[q], K).neighbors;
    if (ours.length !== theirs.length || ours.some((label, i) => label !== theirs[i])) differing++;
  }
  return differing;
}

function round(value, digits) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
