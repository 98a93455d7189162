// hnswlib-node's stock addon (default flags: SSE only) against vsearch's copy built for
// this CPU (VSEARCH_NATIVE_MARCH=native npm run native: -O3 -march=native), side by side in one process on
// one seeded set: build time, search p50 at one ef, and whether both give the same top 10.
//   npm run build && node bench/native-simd.mjs [--count 20000] [--dim 1024] [--ef 128]
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { syntheticQueries, syntheticVectors } from '../dist/bench/synthetic.js';
import { NATIVE_ADDON_URL } from '../dist/index/hnswlib-binding.js';
import { log, median } from './bench-common.mjs';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '1024' },
    queries: { type: 'string', default: '200' },
    ef: { type: 'string', default: '128' },
    M: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '100' },
  },
});
const [N, D, Q, EF, M, EFC] = [args.count, args.dim, args.queries, args.ef, args.M, args['ef-construction']].map(
  Number,
);
const require = createRequire(import.meta.url);
if (!existsSync(NATIVE_ADDON_URL)) {
  log('no native copy of hnswlib-node: `npm run native` compiles one (linux-x64)');
  process.exit(2);
}

const libs = { installed: require('hnswlib-node'), native: require(fileURLToPath(NATIVE_ADDON_URL)) };
const shape = { dimension: D, seed: 1, clusters: 64 };
const vectors = syntheticVectors({ ...shape, count: N });
const queries = syntheticQueries({ ...shape, count: Q });
const row = (view, i) => Array.from(view.subarray(i * D, (i + 1) * D));
const names = Object.keys(libs);
const index = Object.fromEntries(names.map((name) => [name, new libs[name].HierarchicalNSW('cosine', D)]));
for (const name of names) index[name].initIndex(N, M, EFC, 100);
// Built chunk by chunk in alternating order, so other load on the machine falls on both alike.
const buildMs = Object.fromEntries(names.map((name) => [name, 0]));
for (let start = 0, chunk = 0; start < N; start += 1000, chunk++) {
  for (const name of chunk % 2 ? [...names].reverse() : names) {
    const t = performance.now();
    for (let i = start; i < Math.min(N, start + 1000); i++) index[name].addPoint(row(vectors, i), i);
    buildMs[name] += performance.now() - t;
  }
}
const points = Array.from({ length: Q }, (_, q) => row(queries, q));
const times = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) index[name].setEf(EF);
for (let pass = 0; pass < 3; pass++) {
  for (let q = 0; q < Q; q++) {
    for (const name of q % 2 ? [...names].reverse() : names) {
      const t = performance.now();
      index[name].searchKnn(points[q], 10);
      times[name].push(performance.now() - t);
    }
  }
}
let identical = 0;
for (const point of points)
  if (index.installed.searchKnn(point, 10).neighbors.join() === index.native.searchKnn(point, 10).neighbors.join())
    identical++;
const p50 = Object.fromEntries(names.map((name) => [name, median(times[name]) * 1000]));
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      data: { count: N, dimension: D, queries: Q, M, efConstruction: EFC, ef: EF },
      buildSeconds: { installed: buildMs.installed / 1000, native: buildMs.native / 1000 },
      buildSpeedup: buildMs.installed / buildMs.native,
      searchP50Us: p50,
      searchSpeedup: p50.installed / p50.native,
      identicalTop10: `${identical}/${Q}`,
    },
    null,
    2,
  ),
);
