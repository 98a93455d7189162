// Probe (issue 11 part 4, RoarGraph): level-0 links projected from training text-like queries'
// exact neighbourhoods (src/index/cross-modal-edges.ts), written into a saved HNSW graph file
// and loaded back. Every graph (plain, each projected variant, and the plain graph under stock
// hnswlib-node) is searched interleaved query by query at each ef in this one run.
// The training queries are held-out text-like queries of the generator, never the test ones.
//   nice -n 10 node bench/probes/xmodal-roar.mjs --set xmodal-50k-1024 --train 1000,5000 --k 100
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fitMarengo } from '../../dist/bench/fit-marengo.js';
import { marengoSpace } from '../../dist/bench/marengo-space.js';
import { latencyFigures, meanRecall } from '../../dist/bench/recall-latency.js';
import { generateXmodalSet } from '../../dist/bench/xmodal-generator.js';
import { parseXmodalSet } from '../../dist/bench/xmodal-set.js';
import { addCrossModalEdges } from '../../dist/index/cross-modal-edges.js';
import { checkGraphFile } from '../../dist/index/graph-file-check.js';
import { GraphLevel0 } from '../../dist/index/graph-level0.js';
import { hnswlibBinding } from '../../dist/index/hnswlib-binding.js';
import { HnswIndex } from '../../dist/index/index.js';
import { SHARED_DATA } from '../suite/set-data.mjs';
import { interleavedSweep } from './interleaved-sweep.mjs';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'xmodal-50k-1024' },
    queries: { type: 'string', default: '200' },
    train: { type: 'string', default: '1000,5000' },
    k: { type: 'string', default: '100' },
    degree: { type: 'string', default: '16' },
    reserve: { type: 'string', default: '0,8' },
    'text-ef': { type: 'string', default: '128,256,512,1024' },
    'clip-ef': { type: 'string', default: '64,128' },
    stock: { type: 'boolean', default: true },
    // Training counts drawn only from queries written for videos no test query targets.
    disjoint: { type: 'string', default: '' },
  },
});
const started = performance.now();
const log = (line) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const spec = parseXmodalSet(values.set);
const queries = Number(values.queries);
const trainCounts = values.train.split(',').map(Number);
const disjointCounts = values.disjoint === '' ? [] : values.disjoint.split(',').map(Number);
const maxTrain = Math.max(...trainCounts, ...disjointCounts.map((n) => 2 * n));
const K = Number(values.k);
const degree = Number(values.degree);
const reserves = values.reserve.split(',').map(Number);
const k = 10;
const { model } = fitMarengo(SHARED_DATA);
const set = generateXmodalSet(marengoSpace(model, spec.dimension), {
  count: spec.count,
  seed: 1,
  textQueries: queries + maxTrain,
  clipQueries: queries,
});
const d = set.dimension;
const textTest = set.textQueries.subarray(0, queries * d);
const textTrain = set.textQueries.subarray(queries * d);
log(
  `${spec.name}: ${set.count} clips of ${set.videos} videos; ${queries} test + ${maxTrain} training text-like queries`,
);

const labels = Uint32Array.from({ length: set.count }, (_, i) => i);
const begin = performance.now();
const plain = new HnswIndex({ dimension: d, M: 16, efConstruction: 100, capacity: set.count, seed: 100 });
plain.add(set.vectors, labels);
log(
  `plain graph M=16 efc=100: build ${((performance.now() - begin) / 1000).toFixed(1)} s (${plain.insertThreads} threads)`,
);
const plainPath = join(tmpdir(), `xmodal-roar-${process.pid}.hnsw`);
await plain.writeGraph(plainPath);
const plainFile = readFileSync(plainPath);

// Exact neighbours with hnswlib's brute force over the graph's own vectors, by graph point id.
const native = hnswlibBinding().hnswlib;
const level0 = new GraphLevel0(plainFile);
const brute = new native.BruteforceSearch('ip', d);
brute.initIndex(set.count);
const row = new Array(d);
for (let p = 0; p < level0.count; p++) {
  const at = level0.vectorAt(p);
  for (let j = 0; j < d; j++) row[j] = level0.vectors[at + j];
  brute.addPoint(row, p);
}
const exactTop = (source, q, n) => {
  for (let j = 0; j < d; j++) row[j] = source[q * d + j];
  const { distances, neighbors } = brute.searchKnn(row, n);
  const order = distances.map((dist, i) => [dist, neighbors[i]]).sort((a, b) => a[0] - b[0]);
  return order.map(([, id]) => id);
};
const byKind = { text: textTest, clip: set.clipQueries };
const truth = {};
for (const kind of ['text', 'clip'])
  truth[kind] = Array.from({ length: queries }, (_, q) =>
    Uint32Array.from(exactTop(byKind[kind], q, k), (p) => level0.label(p)),
  );
let t0 = performance.now();
const neighbourhoods = new Uint32Array(maxTrain * K);
for (let q = 0; q < maxTrain; q++) neighbourhoods.set(exactTop(textTrain, q, K), q * K);
log(`exact top-${K} of ${maxTrain} training queries: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const testVideos = new Set(set.textTargets.subarray(0, queries));
const disjointIds = [];
for (let q = 0; q < maxTrain; q++) if (!testVideos.has(set.textTargets[queries + q])) disjointIds.push(q);
const disjointNeighbourhoods = new Uint32Array(disjointIds.length * K);
disjointIds.forEach((q, i) => disjointNeighbourhoods.set(neighbourhoods.subarray(q * K, (q + 1) * K), i * K));
log(`${disjointIds.length} training queries target none of the test queries' ${testVideos.size} videos`);

let degreeSum = 0;
for (let p = 0; p < level0.count; p++) degreeSum += level0.links(p).length;
log(`plain level-0 links per point: ${(degreeSum / level0.count).toFixed(1)} of ${level0.maxLinks}`);

const graphs = [{ name: 'plain', index: plain }];
const binding = native;
const variants = [
  ...trainCounts.map((n) => ({ n, source: neighbourhoods, tag: '' })),
  ...disjointCounts.map((n) => ({
    n: Math.min(n, disjointIds.length),
    source: disjointNeighbourhoods,
    tag: ' disjoint',
  })),
];
for (const { n, source, tag } of variants) {
  for (const reserve of reserves) {
    const file = Buffer.from(plainFile);
    const view = new GraphLevel0(file);
    t0 = performance.now();
    const report = addCrossModalEdges(view, source.subarray(0, n * K), K, { degree, reserve });
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const path = `${plainPath}.${n}${tag.trim()}.${reserve}`;
    writeFileSync(path, file);
    await checkGraphFile(path, { dimension: d });
    const index = await HnswIndex.read(path, { dimension: d, M: 16, efConstruction: 100, deleted: [], binding });
    rmSync(path);
    const name = `roar N=${n}${tag} K=${K} deg=${degree} reserve=${reserve}`;
    log(`${name}: ${seconds} s; ${report.points} points, +${report.added} links, ${report.displaced} displaced`);
    graphs.push({ name, index });
  }
}
if (values.stock) {
  const stock = createRequire(import.meta.url)('hnswlib-node');
  const index = await HnswIndex.read(plainPath, {
    dimension: d,
    M: 16,
    efConstruction: 100,
    deleted: [],
    binding: stock,
  });
  graphs.push({ name: 'stock hnswlib-node (plain graph)', index });
}
rmSync(plainPath);

const rows = [];
for (const [kind, efList] of [
  ['text', values['text-ef']],
  ['clip', values['clip-ef']],
]) {
  for (const ef of efList.split(',').map(Number)) {
    const { found, times } = interleavedSweep(graphs, (q) => byKind[kind].subarray(q * d, (q + 1) * d), queries, k, ef);
    const cells = graphs.map(
      (_, j) => `${meanRecall(found[j], truth[kind]).toFixed(4)} / ${latencyFigures(times[j]).p50Us}`,
    );
    rows.push(`| ${kind === 'text' ? 'text-like' : 'clip-like'} ${ef} | ${cells.join(' | ')} |`);
    log(rows.at(-1));
  }
}
process.stdout.write(
  `\n| ef | ${graphs.map((g) => g.name).join(' | ')} |\n|${'---|'.repeat(graphs.length + 1)}\n${rows.join('\n')}\n`,
);
