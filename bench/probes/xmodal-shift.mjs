// Probe (issue 11 part 4): does navigating the graph with a modality-shifted query, then
// re-ranking the candidates by the exact cosine with the ORIGINAL query, buy text-like recall?
// Every variant is timed interleaved query by query in this one run; compare ratios only.
//   nice -n 10 node bench/probes/xmodal-shift.mjs --set xmodal-50k-1024 [--queries 200] [--ef 64,128,256,512]
import { parseArgs } from 'node:util';
import { fitMarengo } from '../../dist/bench/fit-marengo.js';
import { marengoSpace } from '../../dist/bench/marengo-space.js';
import { latencyFigures, meanRecall } from '../../dist/bench/recall-latency.js';
import { generateXmodalSet } from '../../dist/bench/xmodal-generator.js';
import { parseXmodalSet } from '../../dist/bench/xmodal-set.js';
import { ExactIndex, HnswIndex } from '../../dist/index/index.js';
import { SHARED_DATA } from '../suite/set-data.mjs';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'xmodal-50k-1024' },
    queries: { type: 'string', default: '200' },
    ef: { type: 'string', default: '64,128,256,512,1024' },
    efc: { type: 'string', default: '100' },
    rerank: { type: 'string', default: '0' },
    M: { type: 'string', default: '16' },
    variants: { type: 'string', default: 'plain,expand,rocchio' },
  },
});
const spec = parseXmodalSet(values.set);
const queries = Number(values.queries);
const efs = values.ef.split(',').map(Number);
const k = 10;
const { model } = fitMarengo(SHARED_DATA);
const space = marengoSpace(model, spec.dimension);
const set = generateXmodalSet(space, { count: spec.count, seed: 1, textQueries: queries, clipQueries: queries });
// Held-out text queries (another seed, same fitted space): the "cache" a mean text vector is taken from.
const heldOut = generateXmodalSet(space, { count: 2000, seed: 7, textQueries: 64, clipQueries: 1 });
const d = set.dimension;
const n = set.count;
const unit = (v) => {
  let s = 0;
  for (const x of v) s += x * x;
  const r = 1 / Math.sqrt(s);
  return Float32Array.from(v, (x) => x * r);
};
const meanRows = (rows, count) => {
  const m = new Float64Array(d);
  for (let i = 0; i < count; i++) for (let x = 0; x < d; x++) m[x] += rows[i * d + x];
  return Float32Array.from(m, (x) => x / count);
};
const libMean = meanRows(set.vectors, n);
const cacheTextMean = meanRows(heldOut.textQueries, 64);
const oracleGap = Float32Array.from(space.videoMean, (x, i) => x - space.textMean[i]);
const cacheGap = Float32Array.from(libMean, (x, i) => x - cacheTextMean[i]);
const dot = (a, ao, b) => {
  let s = 0;
  for (let x = 0; x < d; x++) s += a[ao + x] * b[x];
  return s;
};

const labels = Uint32Array.from({ length: n }, (_, i) => i);
const exact = new ExactIndex(d);
exact.add(set.vectors, labels);
const textQ = (q) => set.textQueries.subarray(q * d, (q + 1) * d);
const truth = Array.from({ length: queries }, (_, q) => exact.search(textQ(q), k).labels);
const begin = process.hrtime.bigint();
const index = new HnswIndex({
  dimension: d,
  M: Number(values.M),
  efConstruction: Number(values.efc),
  capacity: n,
  seed: 100,
});
index.add(set.vectors, labels);
process.stderr.write(`${spec.name}: build ${(Number(process.hrtime.bigint() - begin) / 1e9).toFixed(1)} s\n`);

const rerankDepth = Number(values.rerank);
function shiftedSearch(q, shift, s, ef) {
  const moved = unit(Float32Array.from(q, (x, i) => x + s * shift[i]));
  const found = index.search(moved, rerankDepth > 0 ? Math.min(ef, rerankDepth) : ef, { ef });
  const scores = new Float32Array(found.labels.length);
  for (let i = 0; i < found.labels.length; i++) scores[i] = dot(set.vectors, found.labels[i] * d, q);
  const order = Array.from(found.labels.keys()).sort((a, b) => scores[b] - scores[a]);
  return order.slice(0, k).map((i) => found.labels[i]);
}
const variants = {
  plain: (q, ef) => index.search(q, k, { ef }).labels,
  'oracle-gap s1': (q, ef) => shiftedSearch(q, oracleGap, 1, ef),
  'cache-gap s1': (q, ef) => shiftedSearch(q, cacheGap, 1, ef),
  'cache-gap s0.6': (q, ef) => shiftedSearch(q, cacheGap, 0.6, ef),
  'lib-mean t0.5': (q, ef) => shiftedSearch(q, libMean, 0.5, ef),
  'lib-mean t1': (q, ef) => shiftedSearch(q, libMean, 1, ef),
  'plain+rerank': (q, ef) => shiftedSearch(q, libMean, 0, ef),
};
function rerank(q, candidates) {
  const list = [...candidates];
  const scores = list.map((label) => dot(set.vectors, label * d, q));
  return list
    .map((label, i) => [label, scores[i]])
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map((pair) => pair[0]);
}
// Neighbourhood expansion: the first search's best hits searched again as (in-distribution) queries.
function expanded(q, ef, top, width) {
  const first = index.search(q, Math.max(k, top), { ef });
  const candidates = new Set(first.labels);
  for (let i = 0; i < Math.min(top, first.labels.length); i++) {
    const around = index.search(set.vectors.subarray(first.labels[i] * d, (first.labels[i] + 1) * d), width, {
      ef: Math.max(width, 32),
    });
    for (const label of around.labels) candidates.add(label);
  }
  return rerank(q, candidates);
}
// A second search from the first one's region: the query moved towards its best hits' centroid.
function rocchio(q, ef, weight) {
  const first = index.search(q, k, { ef });
  const centre = new Float64Array(d);
  for (const label of first.labels) for (let x = 0; x < d; x++) centre[x] += set.vectors[label * d + x];
  const c = unit(centre);
  const moved = unit(Float32Array.from(q, (x, i) => x + weight * c[i]));
  const second = index.search(moved, 4 * k, { ef });
  return rerank(q, new Set([...first.labels, ...second.labels]));
}
Object.assign(variants, {
  expand: (q, ef) => expanded(q, ef, 10, 10),
  'expand-t20w20': (q, ef) => expanded(q, ef, 20, 20),
  rocchio: (q, ef) => rocchio(q, ef, 1),
});
const names = values.variants.split(',');
for (const ef of efs) {
  const found = names.map(() => []);
  const times = names.map(() => new Float64Array(queries));
  for (let q = 0; q < queries; q++) {
    for (let j = 0; j < names.length; j++) {
      const r = (q + j) % names.length;
      const start = process.hrtime.bigint();
      const got = variants[names[r]](textQ(q), ef);
      times[r][q] = Number(process.hrtime.bigint() - start) / 1e3;
      found[r][q] = Uint32Array.from(got);
    }
  }
  const line = names.map(
    (name, j) => `${name}: ${meanRecall(found[j], truth).toFixed(4)} / ${latencyFigures(times[j]).p50Us}us`,
  );
  process.stdout.write(`ef ${ef} | ${line.join(' | ')}\n`);
}
