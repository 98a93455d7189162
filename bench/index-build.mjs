// Index build throughput at equal recall@10: single-threaded hnswlib-node (M=16,
// efConstruction=200, the reference) against lower efConstruction and against shards built
// by worker threads, on one seeded clustered synthetic set, measured in one run.
//   npm run build && node bench/index-build.mjs --count 20000 --dim 1024 --efc 200,100,64 --shards 2
//   node bench/index-build.mjs --count 100000 --dim 1024 --efc 200,100,64 --interleave
// Prints JSON: per configuration the build time, vectors/s, recall@10 and search p50 per ef,
// and, for each reference ef, the smallest ef that reaches the reference's recall and the
// build-throughput and search-time ratios there.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';
import { syntheticQueries, syntheticVectors } from '../dist/bench/synthetic.js';
import { ExactIndex } from '../dist/index/index.js';
import { log, median } from './bench-common.mjs';
import { buildShards, searchShards } from './shard-build.mjs';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '1024' },
    queries: { type: 'string', default: '200' },
    efc: { type: 'string', default: '200,100,64' },
    // Other M values for --interleave: "M:efConstruction" pairs, e.g. 12:100,12:64 (M=16 for plain --efc entries).
    configs: { type: 'string', default: '' },
    ef: { type: 'string', default: '16,24,32,48,64,96,128,192' },
    shards: { type: 'string', default: '0' },
    'shard-efc': { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    // Build the single-threaded configurations side by side, chunk by chunk in rotating
    // order, so that other load on a shared machine falls on all of them alike.
    interleave: { type: 'boolean', default: false },
    chunk: { type: 'string', default: '1000' },
  },
});
const COUNT = Number(args.count);
const DIM = Number(args.dim);
const QUERIES = Number(args.queries);
const EFCS = args.efc.split(',').map(Number);
const EFS = args.ef.split(',').map(Number);
const SHARDS = Number(args.shards);
const SHARD_EFC = Number(args['shard-efc']);
const SEED = Number(args.seed);
const K = 10;
const M = 16;
const REFERENCE_EFC = 200;

const shape = { dimension: DIM, seed: SEED, clusters: 64 };
const vectors = syntheticVectors({ ...shape, count: COUNT });
const queries = syntheticQueries({ ...shape, count: QUERIES });
const queryAt = (q) => queries.subarray(q * DIM, (q + 1) * DIM);
const asArray = (view) => Array.from(view);
const queryArrays = Array.from({ length: QUERIES }, (_, q) => asArray(queryAt(q)));

log(`data: ${COUNT} x ${DIM}, ${QUERIES} queries`);
const exact = new ExactIndex(DIM);
exact.add(
  vectors,
  Uint32Array.from({ length: COUNT }, (_, i) => i),
);
const truth = Array.from({ length: QUERIES }, (_, q) => new Set(exact.search(queryAt(q), K).labels));

function recallOf(results) {
  let hit = 0;
  results.forEach((labels, q) => {
    for (const label of labels) if (truth[q].has(label)) hit++;
  });
  return hit / (QUERIES * K);
}

/** recall@10 and p50 per ef; `search(q)` returns the labels of query q. */
function sweep(setEf, search) {
  return EFS.map((ef) => {
    setEf(ef);
    for (let q = 0; q < Math.min(20, QUERIES); q++) search(q); // warm-up
    const times = [];
    const results = [];
    for (let q = 0; q < QUERIES; q++) {
      const started = process.hrtime.bigint();
      results.push(search(q));
      times.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return { ef, recall: +recallOf(results).toFixed(4), p50Us: +median(times).toFixed(1) };
  });
}

function buildSingle(efConstruction) {
  const index = new hnswlib.HierarchicalNSW('cosine', DIM);
  index.initIndex(COUNT, M, efConstruction, 100);
  const point = new Array(DIM).fill(0);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < COUNT; i++) {
    for (let j = 0, at = i * DIM; j < DIM; j++, at++) point[j] = vectors[at];
    index.addPoint(point, i);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  // CPU seconds: a single-threaded build's own work, much less disturbed than wall time by other load on a shared machine.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const figures = sweep(
    (ef) => index.setEf(ef),
    (q) => index.searchKnn(queryArrays[q], K).neighbors,
  );
  return {
    kind: 'single',
    efConstruction,
    seconds: +seconds.toFixed(2),
    vectorsPerSecond: Math.round(COUNT / seconds),
    cpuSeconds: +cpuSeconds.toFixed(2),
    vectorsPerCpuSecond: Math.round(COUNT / cpuSeconds),
    sweep: figures,
  };
}

function buildInterleaved(shapes, chunk) {
  const builds = shapes.map(({ m, efConstruction }) => {
    const index = new hnswlib.HierarchicalNSW('cosine', DIM);
    index.initIndex(COUNT, m, efConstruction, 100);
    return { m, efConstruction, index, ns: 0n, cpuUs: 0 };
  });
  const point = new Array(DIM).fill(0);
  for (let first = 0, round = 0; first < COUNT; first += chunk, round++) {
    for (let b = 0; b < builds.length; b++) {
      const build = builds[(b + round) % builds.length];
      const started = process.hrtime.bigint();
      const cpuStarted = process.cpuUsage();
      for (let i = first; i < Math.min(COUNT, first + chunk); i++) {
        for (let j = 0, at = i * DIM; j < DIM; j++, at++) point[j] = vectors[at];
        build.index.addPoint(point, i);
      }
      build.ns += process.hrtime.bigint() - started;
      const cpu = process.cpuUsage(cpuStarted);
      build.cpuUs += cpu.user + cpu.system;
    }
    if (round % 10 === 9) log(`  ${Math.min(COUNT, first + chunk)} / ${COUNT}`);
  }
  return builds.map(({ m, efConstruction, index, ns, cpuUs }) => {
    const seconds = Number(ns) / 1e9;
    const cpuSeconds = cpuUs / 1e6;
    const figures = sweep(
      (ef) => index.setEf(ef),
      (q) => index.searchKnn(queryArrays[q], K).neighbors,
    );
    return {
      kind: 'single',
      M: m,
      efConstruction,
      interleaved: true,
      seconds: +seconds.toFixed(2),
      vectorsPerSecond: Math.round(COUNT / seconds),
      cpuSeconds: +cpuSeconds.toFixed(2),
      vectorsPerCpuSecond: Math.round(COUNT / cpuSeconds),
      sweep: figures,
    };
  });
}

const configs = [];
if (args.interleave) {
  log(`building single-threaded efConstruction=${EFCS.join(', ')} side by side ...`);
  const shapes = [
    ...EFCS.map((efConstruction) => ({ m: M, efConstruction })),
    ...args.configs
      .split(',')
      .filter(Boolean)
      .map((pair) => ({ m: Number(pair.split(':')[0]), efConstruction: Number(pair.split(':')[1]) })),
  ];
  configs.push(...buildInterleaved(shapes, Number(args.chunk)));
  for (const config of configs) log(JSON.stringify(config));
} else {
  for (const efc of EFCS) {
    log(`building single-threaded efConstruction=${efc} ...`);
    configs.push(buildSingle(efc));
    log(JSON.stringify(configs.at(-1)));
  }
}
if (SHARDS > 1) {
  log(`building ${SHARDS} shards in worker threads, efConstruction=${SHARD_EFC} ...`);
  const work = await mkdtemp(join(tmpdir(), 'vsearch-shards-'));
  try {
    const built = await buildShards(Worker, vectors, DIM, { shards: SHARDS, M, efConstruction: SHARD_EFC, dir: work });
    const figures = sweep(
      (ef) => built.indexes.forEach((index) => index.setEf(ef)),
      (q) => searchShards(built.indexes, queryArrays[q], K),
    );
    configs.push({
      kind: `shards-${SHARDS}`,
      efConstruction: SHARD_EFC,
      seconds: +built.seconds.toFixed(2),
      vectorsPerSecond: Math.round(COUNT / built.seconds),
      sweep: figures,
    });
    log(JSON.stringify(configs.at(-1)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const reference = configs.find((c) => c.kind === 'single' && c.efConstruction === REFERENCE_EFC && (c.M ?? M) === M);
const comparisons = [];
if (reference !== undefined) {
  for (const point of reference.sweep) {
    for (const config of configs) {
      if (config === reference) continue;
      const match = config.sweep.find((p) => p.recall >= point.recall);
      comparisons.push({
        referenceEf: point.ef,
        referenceRecall: point.recall,
        config: `${config.kind} M=${config.M ?? M} efConstruction=${config.efConstruction}`,
        ef: match?.ef ?? null,
        recall: match?.recall ?? null,
        buildThroughputRatio: +(config.vectorsPerSecond / reference.vectorsPerSecond).toFixed(3),
        ...(config.cpuSeconds === undefined
          ? {}
          : { buildCpuThroughputRatio: +(reference.cpuSeconds / config.cpuSeconds).toFixed(3) }),
        searchTimeRatio: match === undefined ? null : +(match.p50Us / point.p50Us).toFixed(3),
      });
    }
  }
}
process.stdout.write(
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, count: COUNT, dimension: DIM, queries: QUERIES, k: K, M, configs, comparisons }, null, 2)}\n`,
);
