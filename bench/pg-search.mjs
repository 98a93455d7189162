// Search p50 and recall@10 against exact: a PostgreSQL library (PGlite = PostgreSQL compiled to
// WASM, single-threaded, served over the wire by pglite-socket; a native server is far faster)
// against the local engine on the same cross-modal set, in one interleaved run (query i on one
// engine, then on the other). Text-like queries go through the query cache as text (ef for text),
// clip-like ones as vectors (ef for video), as real searches would.
// Usage: nice -n 10 node bench/pg-search.mjs [xmodal-20k-512] [queries=100]  (npm run build first)
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { median, round } from '../dist/bench/percentiles.js';
import { parseXmodalSet } from '../dist/bench/xmodal-set.js';
import { ExactIndex } from '../dist/index/index.js';
import { openLibrary } from '../dist/library/index.js';
import { syncFolderToPg } from '../dist/pg/sync-to-pg.js';
import { parsePgTarget } from '../dist/pg/target.js';
import { SegmentStore } from '../dist/store/index.js';
import { sharedXmodalSet } from './suite/set-data.mjs';

const spec = parseXmodalSet(process.argv[2] ?? 'xmodal-20k-512');
const queries = Number(process.argv[3] ?? 100);
const K = 10;
const MODEL = 'marengo3.0';
const log = (message) => process.stderr.write(`${message}\n`);
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

const set = await sharedXmodalSet(spec, queries);
const { dimension, count } = set;
const clipOf = new Uint32Array(count);
const seen = new Map();
for (let i = 0; i < count; i++) {
  const video = set.videoOf[i];
  clipOf[i] = seen.get(video) ?? 0;
  seen.set(video, clipOf[i] + 1);
}
const keyOfRow = (i) => `x${set.videoOf[i]}@${clipOf[i] * 6}`;
log(`${spec.name}: ${count} x ${dimension}, ${set.videos} videos, ${queries} text-like + ${queries} clip-like queries`);

const work = await mkdtemp(join(tmpdir(), 'vsearch-pg-bench-'));
const dir = join(work, 'lib');
let t0 = performance.now();
const store = await SegmentStore.open(dir, { create: true, index: { kind: 'hnsw' } });
const many = (value) => Array(count).fill(value);
await store.append(
  {
    count,
    dimension,
    vectors: set.vectors,
    videoId: Array.from(set.videoOf, (v) => `x${v}`),
    source: Array.from(set.videoOf, (v) => `x${v}.mp4`),
    contentSha256: Array.from(set.videoOf, (v) => `sha-x${v}`),
    modality: many('video'),
    embeddingOption: many('visual'),
    embeddingScope: many('clip'),
    startSec: Float64Array.from(clipOf, (c) => c * 6),
    endSec: Float64Array.from(clipOf, (c) => c * 6 + 6),
    modelName: many(MODEL),
    metadata: many('{}'),
  },
  MODEL,
);
const local = await openLibrary(dir);
log(`folder library and its HNSW graph: ${seconds(t0)} s`);

const db = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
await server.start();
const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable&library=bench`;
t0 = performance.now();
await syncFolderToPg(dir, parsePgTarget(url));
const syncSeconds = seconds(t0);
log(`sync into PGlite (batched INSERTs, HNSW index built as rows arrive): ${syncSeconds} s`);
// The PostgreSQL library shares the folder's query cache: the text-like queries cached once serve both.
const postgres = await openLibrary(url, { queryCacheDir: dir });

const exact = new ExactIndex(dimension);
exact.add(
  set.vectors,
  Uint32Array.from({ length: count }, (_, i) => i),
);
const kinds = {
  text: { vectors: set.textQueries, request: (q) => ({ text: `text query ${q}`, offline: true }) },
  clip: { vectors: set.clipQueries, request: (_q, vector) => ({ vector }) },
};
for (let q = 0; q < queries; q++)
  await local.cacheQuery(
    { modality: 'text', text: `text query ${q}` },
    set.textQueries.subarray(q * dimension, (q + 1) * dimension),
  );

const engines = { local, postgres };
const results = {};
for (const [kind, { vectors, request }] of Object.entries(kinds)) {
  const times = { local: [], postgres: [] };
  const recalls = { local: [], postgres: [] };
  for (let q = 0; q < queries; q++) {
    const query = vectors.subarray(q * dimension, (q + 1) * dimension);
    const truth = new Set(Array.from(exact.search(query, K).labels, keyOfRow));
    // Interleaved, and the order alternates, so neither engine always runs on a warmer machine.
    const order = q % 2 === 0 ? ['local', 'postgres'] : ['postgres', 'local'];
    for (const name of order) {
      const started = performance.now();
      const response = await engines[name].search(request(q, Array.from(query)));
      times[name].push(performance.now() - started);
      const found = response.data.map((hit) => `${hit.video_id}@${hit.start}`);
      recalls[name].push(found.filter((key) => truth.has(key)).length / K);
    }
  }
  results[kind] = Object.fromEntries(
    Object.keys(engines).map((name) => [
      name,
      {
        p50_ms: round(median(times[name]), 2),
        recall_at_10: round(recalls[name].reduce((a, b) => a + b, 0) / queries, 3),
      },
    ]),
  );
}
const localStats = await local.stats();
const report = {
  set: spec.name,
  count,
  dimension,
  queries_per_kind: queries,
  postgres: 'PGlite (WASM) + pgvector over pglite-socket',
  sync_seconds: Number(syncSeconds),
  ef: Object.fromEntries(Object.entries(localStats.index.search_ef).map(([m, use]) => [m, use.ef])),
  results,
  load_average: loadavg().map((x) => round(x, 2)),
};
console.log(JSON.stringify(report, null, 2));
await postgres.close();
await local.close();
await server.stop();
await db.close();
await rm(work, { recursive: true, force: true });
