// Probe (issue 11 part 4): two-level search over partitions of consecutive clips of one video.
// Rank the partitions by their centroid (the normalized sum of their clips), then score every
// clip of the best P partitions exactly and keep the top 10. Timed interleaved query by query
// against vsearch's HnswIndex and stock hnswlib-node reading the same graph file (M 16, efc 100).
// The partitions are the library's own (src/index/clip-partitions.ts), built as src/query/partition-runs.ts builds them.
//   npm run build && node bench/probes/xmodal-partitions.mjs --set xmodal-200k-1024 --probes 16,32,64

import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fitMarengo } from '../../dist/bench/fit-marengo.js';
import { marengoSpace } from '../../dist/bench/marengo-space.js';
import { latencyFigures, meanRecall } from '../../dist/bench/recall-latency.js';
import { videoRuns } from '../../dist/bench/video-runs.js';
import { generateXmodalSet } from '../../dist/bench/xmodal-generator.js';
import { parseXmodalSet } from '../../dist/bench/xmodal-set.js';
import { ClipPartitions, consecutiveRuns } from '../../dist/index/clip-partitions.js';
import { hnswlibBinding } from '../../dist/index/hnswlib-binding.js';
import { HnswIndex } from '../../dist/index/index.js';
import { SHARED_DATA } from '../suite/set-data.mjs';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'xmodal-50k-1024' },
    queries: { type: 'string', default: '200' },
    chunk: { type: 'string', default: '16' },
    probes: { type: 'string', default: '4,8,16,32' },
    'text-ef': { type: 'string', default: '2048,4096,8192' },
    'clip-ef': { type: 'string', default: '256,512,1024' },
  },
});
const t0 = performance.now();
let t;
const log = (s) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${s}\n`);
const spec = parseXmodalSet(values.set);
const Q = Number(values.queries);
const K = 10;
const { model } = fitMarengo(SHARED_DATA);
const set = generateXmodalSet(marengoSpace(model, spec.dimension), {
  count: spec.count,
  seed: 1,
  textQueries: Q,
  clipQueries: Q,
});
const d = set.dimension;
const n = set.count;
const V = set.vectors;
log(`${spec.name}: ${n} clips, ${set.videos} videos`);

const native = hnswlibBinding().hnswlib;
const row = new Array(d);
const toRow = (source, i) => {
  for (let j = 0; j < d; j++) row[j] = source[i * d + j];
  return row;
};
const brute = new native.BruteforceSearch('ip', d);
brute.initIndex(n);
for (let i = 0; i < n; i++) brute.addPoint(toRow(V, i), i);
const queriesOf = { text: set.textQueries, clip: set.clipQueries };
const truth = {};
for (const kind of ['text', 'clip'])
  truth[kind] = Array.from({ length: Q }, (_, q) =>
    Uint32Array.from(brute.searchKnn(toRow(queriesOf[kind], q), K).neighbors),
  );
log('exact top 10 done');

// Partitions as the library makes them (src/query/partition-runs.ts): each video's clips in order, in runs of at most `chunk`.
const chunk = Number(values.chunk);
t = performance.now();
const partitions = ClipPartitions.build(consecutiveRuns(videoRuns(set), chunk), {
  dimension: d,
  columns: [V],
  file: new Int32Array(n),
  row: Uint32Array.from({ length: n }, (_, i) => i),
});
log(
  `${partitions.partitions} partitions of at most ${chunk} clips (mean ${(n / partitions.partitions).toFixed(1)}), built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

t = performance.now();
const plain = new HnswIndex({ dimension: d, M: 16, efConstruction: 100, capacity: n, seed: 100 });
plain.add(
  V,
  Uint32Array.from({ length: n }, (_, i) => i),
);
log(`graph build ${((performance.now() - t) / 1000).toFixed(1)} s`);
const graphPath = join(tmpdir(), `xmodal-partitions-${process.pid}.hnsw`);
await plain.writeGraph(graphPath);
const stock = await HnswIndex.read(graphPath, {
  dimension: d,
  M: 16,
  efConstruction: 100,
  deleted: [],
  binding: createRequire(import.meta.url)('hnswlib-node'),
});
rmSync(graphPath);

const engines = [];
for (const kind of ['text', 'clip']) {
  for (const ef of values[`${kind}-ef`].split(',').map(Number)) {
    engines.push({ kind, name: `vsearch HNSW ef ${ef}`, run: (q) => plain.search(q, K, { ef }).labels });
    engines.push({ kind, name: `stock hnswlib-node ef ${ef}`, run: (q) => stock.search(q, K, { ef }).labels });
  }
  for (const probes of values.probes.split(',').map(Number))
    engines.push({ kind, name: `partitions P=${probes}`, run: (q) => partitions.search(q, K, probes).labels });
}
for (const kind of ['text', 'clip']) {
  const mine = engines.filter((e) => e.kind === kind);
  const found = mine.map(() => []);
  const times = mine.map(() => new Float64Array(Q));
  for (let q = 0; q < Q; q++) {
    const query = queriesOf[kind].subarray(q * d, (q + 1) * d);
    for (let j = 0; j < mine.length; j++) {
      const e = (q + j) % mine.length;
      const start = process.hrtime.bigint();
      const got = mine[e].run(query);
      times[e][q] = Number(process.hrtime.bigint() - start) / 1e3;
      found[e][q] = got;
    }
  }
  process.stdout.write(
    `\n${kind === 'text' ? 'text-like' : 'clip-like'} queries (${Q}):\n| engine | recall@10 | p50 us |\n|---|---|---|\n`,
  );
  mine.forEach((e, j) =>
    process.stdout.write(
      `| ${e.name} | ${meanRecall(found[j], truth[kind]).toFixed(4)} | ${latencyFigures(times[j]).p50Us} |\n`,
    ),
  );
}
