// End-to-end search against raw hnswlib-node on the very same graph file and ef, and against
// an exact plain-JS scan, on a seeded clustered synthetic library (built once under /tmp).
//   npm run build && node bench/search-overhead.mjs --count 100000 --dim 1024
// vsearch: `Library.search({ vector })` with a Float32Array in, hits with timestamps out, at the
// library's ef (--ef N stores N as the library's ef first).
// raw: `searchKnn(number[], 10)` on a HierarchicalNSW (the addon vsearch runs) that read the library's graph file, its
// queries converted to number[] beforehand (the binding's input type, so not timed).
// exact: ExactIndex.search over the store's vectors (plain JS), on the first --exact-queries.
// --kind clip (default): in-distribution queries from the fixture's clusters, searched by `{ vector }`
// at the clip ef. --kind text: text-like, out-of-distribution queries (the clusters' centres under
// three times the noise, cosine about 0.3 to them), cached as text queries and searched by `{ text }`
// at the cross-modal ef, as `vsearch query --text T` answered from the query cache is.
// --call query: through `Library.query` (what `vsearch query` calls) instead of `Library.search`.
// --reference DIR: another built vsearch tree (DIR/dist, e.g. the tree before a change) runs the
// same searches on its own copy of the library, interleaved in the same passes.
// Prints JSON: recall@10 of each, per-query p50/mean of each over interleaved passes, and
// the ratios (median over passes).
import { cp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { syntheticQueries } from '../dist/bench/synthetic.js';
import { ExactIndex } from '../dist/index/index.js';
import { SegmentStore } from '../dist/store/index.js';
import { searchEfOf } from '../dist/store/search-ef.js';
import { openLibrary } from '../dist/vsearch.js';
import { BINDING, fixtureOptions, log, median, reportHead } from './bench-common.mjs';
import { ensureFixture, fixtureQueries, fixtureShape } from './fixture.mjs';

const { values: args } = parseArgs({
  options: fixtureOptions({
    queries: { type: 'string', default: '300' },
    'exact-queries': { type: 'string', default: '30' },
    passes: { type: 'string', default: '5' },
    ef: { type: 'string' },
    kind: { type: 'string', default: 'clip' },
    call: { type: 'string', default: 'search' },
    reference: { type: 'string' },
  }),
});
const COUNT = Number(args.count);
const DIM = Number(args.dim);
const QUERIES = Number(args.queries);
const EXACT_QUERIES = Math.min(QUERIES, Number(args['exact-queries']));
const PASSES = Number(args.passes);
const K = 10;
const KIND = args.kind;
if (KIND !== 'clip' && KIND !== 'text') throw new Error(`--kind must be clip or text, got ${KIND}`);
// --call query: `Library.query` (what `vsearch query` calls: the mode search around `search`).
const CALL = args.call;
if (CALL !== 'search' && CALL !== 'query') throw new Error(`--call must be search or query, got ${CALL}`);

const dir = await ensureFixture({ count: COUNT, dim: DIM, efConstruction: Number(args.efc), log });
const lib = await openLibrary(dir);
// --ef sets the library's search breadth (in its manifest, as `Library.setSearchEf` does); raw uses the same.
if (args.ef !== undefined && Number(args.ef) !== lib.manifest.index.ef) await lib.setSearchEf(Number(args.ef));
const ef = searchEfOf(lib.manifest.index, lib.manifest.counts.segments, [KIND === 'text' ? 'text' : 'video']);
const sidecar = JSON.parse(await readFile(join(dir, 'index', 'sidecar.json'), 'utf8'));
const raw = new BINDING.hnswlib.HierarchicalNSW('cosine', DIM);
await raw.readIndex(join(dir, 'index', sidecar.graph));
raw.setEf(ef);

const queries =
  KIND === 'clip'
    ? fixtureQueries({ count: COUNT, dim: DIM }, QUERIES)
    : syntheticQueries({ ...fixtureShape({ count: QUERIES, dim: DIM }), spread: 3, querySeed: 7 });
const queryAt = (q) => queries.subarray(q * DIM, (q + 1) * DIM);
const vectorQueries = Array.from({ length: QUERIES }, (_, q) => Float32Array.from(queryAt(q)));
const arrayQueries = vectorQueries.map((v) => Array.from(v));
const textOf = (q) => `text-like query ${q}`;
const requestOf = (q) => (KIND === 'text' ? { text: textOf(q) } : { vector: vectorQueries[q] });

// The reference tree searches its own copy, so neither side reads files the other wrote.
let reference;
if (args.reference !== undefined) {
  const referenceDir = `${dir}-reference`;
  await rm(referenceDir, { recursive: true, force: true });
  await cp(dir, referenceDir, { recursive: true });
  const entry = pathToFileURL(join(resolve(args.reference), 'dist', 'vsearch.js')).href;
  reference = await (await import(entry)).openLibrary(referenceDir);
}
const libraries = { vsearch: lib, ...(reference === undefined ? {} : { reference }) };
if (KIND === 'text') {
  for (const library of Object.values(libraries))
    for (let q = 0; q < QUERIES; q++) await library.cacheQuery({ modality: 'text', text: textOf(q) }, vectorQueries[q]);
}

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
  for (const library of Object.values(libraries)) await library[CALL](requestOf(q));
  raw.searchKnn(arrayQueries[q], K);
}

// Passes of blocks: every query through one side, then through the next, the order rotated
// from pass to pass (running one query twice in a row would hand the second run a warm cache).
// Each pass gives a p50 per side and their ratios; the figure is the median ratio.
const sides = [...Object.keys(libraries), 'raw'];
const passes = [];
const lists = {};
for (let pass = 0; pass < PASSES; pass++) {
  const times = {};
  const blockUs = {};
  const order = sides.map((_, i) => sides[(i + pass) % sides.length]);
  for (const which of order) {
    times[which] = [];
    lists[which] = [];
    const library = libraries[which];
    const blockStarted = process.hrtime.bigint();
    for (let q = 0; q < QUERIES; q++) {
      const started = process.hrtime.bigint();
      if (library !== undefined) {
        const response = await library[CALL](requestOf(q));
        times[which].push(Number(process.hrtime.bigint() - started) / 1000);
        lists[which].push(response.data.map(labelOf));
      } else {
        const result = raw.searchKnn(arrayQueries[q], K);
        times[which].push(Number(process.hrtime.bigint() - started) / 1000);
        lists[which].push(result.neighbors);
      }
    }
    // A library's block includes writing its page records (Library.close does the same).
    if (library !== undefined) await library.flush();
    blockUs[which] = Number(process.hrtime.bigint() - blockStarted) / 1000;
  }
  const summary = {};
  for (const side of sides) {
    summary[`${side}P50Us`] = median(times[side]);
    summary[`${side}MeanUs`] = blockUs[side] / QUERIES;
  }
  passes.push(summary);
  log(
    `pass ${pass + 1}: ${sides.map((side) => `${side} p50 ${median(times[side]).toFixed(1)} us (block mean ${(blockUs[side] / QUERIES).toFixed(1)})`).join(', ')}`,
  );
}
for (const library of Object.values(libraries)) await library.close();

const round = (x, d = 3) => +x.toFixed(d);
const exactP50 = median(exactTimes);
const ratio = (a, b, stat) => round(median(passes.map((p) => p[`${a}${stat}`] / p[`${b}${stat}`])));
const vsP50 = median(passes.map((p) => p.vsearchP50Us));
const result = {
  ...reportHead({ dir, count: COUNT, dimension: DIM }),
  kind: KIND,
  call: CALL,
  reference: args.reference ?? null,
  queries: QUERIES,
  k: K,
  ef,
  hnsw: { M: sidecar.M, efConstruction: sidecar.efConstruction },
  recall: Object.fromEntries(sides.map((side) => [side, round(recall(lists[side]), 4)])),
  exactScan: { queries: EXACT_QUERIES, p50Us: round(exactP50, 1) },
  passes: passes.map((p) => Object.fromEntries(Object.entries(p).map(([key, value]) => [key, round(value, 1)]))),
  ratios: {
    endToEndVsRawP50: ratio('vsearch', 'raw', 'P50Us'),
    // Whole blocks, page records written included: the throughput view.
    endToEndVsRawBlock: ratio('vsearch', 'raw', 'MeanUs'),
    ...(reference === undefined
      ? {}
      : {
          referenceVsRawP50: ratio('reference', 'raw', 'P50Us'),
          endToEndVsReferenceP50: ratio('vsearch', 'reference', 'P50Us'),
          endToEndVsReferenceBlock: ratio('vsearch', 'reference', 'MeanUs'),
        }),
    exactScanVsEndToEndP50: round(exactP50 / vsP50, 1),
  },
  targets: { endToEndVsRawAtMost: 1.1, exactSpeedupAtLeast: 150, recallAtLeast: 0.99 },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
