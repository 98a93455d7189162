// End-to-end search against raw hnswlib-node on the very same graph file and ef, and against
// an exact plain-JS scan, on a seeded clustered synthetic library (built once under /tmp).
//   npm run build && node bench/search-overhead.mjs --count 100000 --dim 1024
// vsearch: `Library.search({ vector })` with a Float32Array in, hits with timestamps out, at the
// library's ef (--ef N stores N as the library's ef first).
// raw: `searchKnn(number[], 10)` on a HierarchicalNSW (the addon vsearch runs) that read the library's graph file, its
// queries converted to number[] beforehand (the binding's input type, so not timed).
// exact: ExactIndex.search over the store's vectors (plain JS), on the first --exact-queries.
// Prints JSON: recall@10 of both, per-query p50/mean of each over interleaved passes, and
// the ratios (median over passes).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExactIndex } from '../dist/index/index.js';
import { SegmentStore } from '../dist/store/index.js';
import { openLibrary } from '../dist/vsearch.js';
import { BINDING, fixtureOptions, log, median, reportHead } from './bench-common.mjs';
import { ensureFixture, fixtureQueries } from './fixture.mjs';

const { values: args } = parseArgs({
  options: fixtureOptions({
    queries: { type: 'string', default: '300' },
    'exact-queries': { type: 'string', default: '30' },
    passes: { type: 'string', default: '5' },
    ef: { type: 'string' },
  }),
});
const COUNT = Number(args.count);
const DIM = Number(args.dim);
const QUERIES = Number(args.queries);
const EXACT_QUERIES = Math.min(QUERIES, Number(args['exact-queries']));
const PASSES = Number(args.passes);
const K = 10;

const dir = await ensureFixture({ count: COUNT, dim: DIM, efConstruction: Number(args.efc), log });
const lib = await openLibrary(dir);
// --ef sets the library's search breadth (in its manifest, as `Library.setSearchEf` does); raw uses the same.
if (args.ef !== undefined && Number(args.ef) !== lib.manifest.index.ef) await lib.setSearchEf(Number(args.ef));
const ef = lib.manifest.index.ef;
const sidecar = JSON.parse(await readFile(join(dir, 'index', 'sidecar.json'), 'utf8'));
const raw = new BINDING.hnswlib.HierarchicalNSW('cosine', DIM);
await raw.readIndex(join(dir, 'index', sidecar.graph));
raw.setEf(ef);

const queries = fixtureQueries({ count: COUNT, dim: DIM }, QUERIES);
const queryAt = (q) => queries.subarray(q * DIM, (q + 1) * DIM);
const vectorQueries = Array.from({ length: QUERIES }, (_, q) => Float32Array.from(queryAt(q)));
const arrayQueries = vectorQueries.map((v) => Array.from(v));

// The fixture's label of a hit: 100 six-second clips per video, labels in order.
const labelOf = (hit) => Number(hit.video_id.slice('video-'.length)) * 100 + Math.round(hit.start / 6);

log('exact ground truth ...');
const store = await SegmentStore.open(dir);
const exact = new ExactIndex(DIM);
for (const file of await store.allFiles()) exact.add(file.vectors, file.labels);
const truth = [];
const exactTimes = [];
for (let q = 0; q < QUERIES; q++) {
  const started = process.hrtime.bigint();
  const result = exact.search(vectorQueries[q], K);
  if (q < EXACT_QUERIES) exactTimes.push(Number(process.hrtime.bigint() - started) / 1000);
  truth.push(new Set(result.labels));
}

const recall = (lists) =>
  lists.reduce((sum, labels, q) => sum + labels.filter((l) => truth[q].has(l)).length, 0) / (QUERIES * K);

// Warm-up both paths (JIT, page records dir, facts).
for (let q = 0; q < Math.min(50, QUERIES); q++) {
  await lib.search({ vector: vectorQueries[q] });
  raw.searchKnn(arrayQueries[q], K);
}

// Passes of blocks: every query through one, then every query through the other, the order
// swapped from pass to pass (running one query twice in a row would hand the second run a
// warm cache). Each pass gives a p50 per side and their ratio; the figure is the median ratio.
const passes = [];
let vsearchLists = [];
let rawLists = [];
for (let pass = 0; pass < PASSES; pass++) {
  const vs = [];
  const rw = [];
  vsearchLists = [];
  rawLists = [];
  let vsBlockUs = 0;
  let rawBlockUs = 0;
  for (const which of pass % 2 === 0 ? ['vsearch', 'raw'] : ['raw', 'vsearch']) {
    const blockStarted = process.hrtime.bigint();
    for (let q = 0; q < QUERIES; q++) {
      const started = process.hrtime.bigint();
      if (which === 'vsearch') {
        const response = await lib.search({ vector: vectorQueries[q] });
        vs.push(Number(process.hrtime.bigint() - started) / 1000);
        vsearchLists.push(response.data.map(labelOf));
      } else {
        const result = raw.searchKnn(arrayQueries[q], K);
        rw.push(Number(process.hrtime.bigint() - started) / 1000);
        rawLists.push(result.neighbors);
      }
    }
    // The vsearch block includes writing its page records (Library.close does the same).
    if (which === 'vsearch') await lib.flush();
    const blockUs = Number(process.hrtime.bigint() - blockStarted) / 1000;
    if (which === 'vsearch') vsBlockUs = blockUs;
    else rawBlockUs = blockUs;
  }
  passes.push({
    vsearchP50Us: median(vs),
    rawP50Us: median(rw),
    vsearchMeanUs: vsBlockUs / QUERIES,
    rawMeanUs: rawBlockUs / QUERIES,
  });
  log(
    `pass ${pass + 1}: vsearch p50 ${median(vs).toFixed(1)} us, raw p50 ${median(rw).toFixed(1)} us, ratio ${(median(vs) / median(rw)).toFixed(3)}; per query with page records written ${(vsBlockUs / QUERIES).toFixed(1)} vs ${(rawBlockUs / QUERIES).toFixed(1)} us`,
  );
}
await lib.close();

const round = (x, d = 3) => +x.toFixed(d);
const exactP50 = median(exactTimes);
const vsP50 = median(passes.map((p) => p.vsearchP50Us));
const result = {
  ...reportHead({ dir, count: COUNT, dimension: DIM }),
  queries: QUERIES,
  k: K,
  ef,
  hnsw: { M: sidecar.M, efConstruction: sidecar.efConstruction },
  recall: { vsearch: round(recall(vsearchLists), 4), raw: round(recall(rawLists), 4) },
  exactScan: { queries: EXACT_QUERIES, p50Us: round(exactP50, 1) },
  passes: passes.map((p) => Object.fromEntries(Object.entries(p).map(([key, value]) => [key, round(value, 1)]))),
  ratios: {
    endToEndVsRawP50: round(median(passes.map((p) => p.vsearchP50Us / p.rawP50Us))),
    // Whole blocks, page records written included: the throughput view.
    endToEndVsRawBlock: round(median(passes.map((p) => p.vsearchMeanUs / p.rawMeanUs))),
    exactScanVsEndToEndP50: round(exactP50 / vsP50, 1),
  },
  targets: { endToEndVsRawAtMost: 1.1, exactSpeedupAtLeast: 150, recallAtLeast: 0.99 },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
