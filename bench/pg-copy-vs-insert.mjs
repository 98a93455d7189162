// Segments/s into a real PostgreSQL server: COPY FROM STDIN (text, pg-copy-streams) against
// batched INSERTs (unnest of 500-row arrays), interleaved round by round. Each video is one
// transaction the way src/pg/write-video.ts writes it: rows staged in a temp table, then
// INSERT ... SELECT into the segments table. The server needs no pgvector: the vectors go to a
// real[] column of a throwaway schema this script creates and drops (vector text parsing is
// comparable work; the product schema is not used). Vectors: seeded synthetic unit vectors.
// Usage: node bench/pg-copy-vs-insert.mjs --url postgres://postgres@127.0.0.1:55432/postgres
//   [--segments 100000] [--dim 512] [--per-video 100] [--rounds 2]

import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    segments: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '512' },
    'per-video': { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
  },
});
if (values.url === undefined) throw new Error('--url postgres://... is required');
const total = Number(values.segments);
const dimension = Number(values.dim);
const perVideo = Number(values['per-video']);
const rounds = Number(values.rounds);
const BATCH = 500;
const SCHEMA = 'vsearch_bench_copy';
const COLUMNS =
  'library, video_id, embedding_option, embedding_scope, start_sec, end_sec, source, content_sha256, modality, model_name, metadata, embedding';

let seed = 7;
function random() {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
}
function unitVectorText() {
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let d = 0; d < dimension; d++) {
    v[d] = random();
    norm += v[d] * v[d];
  }
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < dimension; d++) v[d] = Math.fround(v[d] * scale);
  return Array.from(v).join(',');
}
const videos = [];
for (let i = 0; i < total; i += perVideo) {
  const id = `video-${String(i / perVideo).padStart(5, '0')}`;
  const rows = [];
  for (let j = 0; j < Math.min(perVideo, total - i); j++)
    rows.push({
      start: j * 6,
      end: j * 6 + 6,
      metadata: JSON.stringify({ clip: j, title: `t ${i}` }),
      vector: unitVectorText(),
    });
  videos.push({ id, rows });
}

const client = new pg.Client({ connectionString: values.url });
await client.connect();
const version = (await client.query('SELECT version() AS v')).rows[0].v;
await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}; SET search_path = ${SCHEMA}`);
await client.query(`CREATE TABLE segments (
  library text NOT NULL, video_id text NOT NULL, embedding_option text NOT NULL, embedding_scope text NOT NULL,
  start_sec double precision NOT NULL, end_sec double precision NOT NULL, source text NOT NULL,
  content_sha256 text NOT NULL, modality text NOT NULL, model_name text NOT NULL, metadata jsonb NOT NULL,
  embedding real[] NOT NULL,
  PRIMARY KEY (library, video_id, embedding_option, embedding_scope, start_sec, end_sec))`);

async function writeVideo(video, load) {
  await client.query('BEGIN');
  await client.query('CREATE TEMP TABLE staging (LIKE segments) ON COMMIT DROP');
  await load(video);
  await client.query(`INSERT INTO segments (${COLUMNS}) SELECT ${COLUMNS} FROM staging`);
  await client.query('COMMIT');
}

async function byCopy(video) {
  const lines = video.rows.map(
    (r) =>
      `bench\t${video.id}\tvisual\tclip\t${r.start}\t${r.end}\t${video.id}.mp4\tabc\tvideo\tmarengo3.0\t${r.metadata}\t{${r.vector}}\n`,
  );
  await pipeline(
    Readable.from([lines.join('')]),
    client.query(copyStreams.from(`COPY staging (${COLUMNS}) FROM STDIN`)),
  );
}

async function byInsert(video) {
  for (let at = 0; at < video.rows.length; at += BATCH) {
    const rows = video.rows.slice(at, at + BATCH);
    const n = rows.length;
    await client.query(
      `INSERT INTO staging (${COLUMNS}) SELECT l, v, o, s, st, en, src, sha, m, mn, md, e::real[] FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[], $12::text[]) AS t(l, v, o, s, st, en, src, sha, m, mn, md, e)`,
      [
        Array(n).fill('bench'),
        Array(n).fill(video.id),
        Array(n).fill('visual'),
        Array(n).fill('clip'),
        rows.map((r) => r.start),
        rows.map((r) => r.end),
        Array(n).fill(`${video.id}.mp4`),
        Array(n).fill('abc'),
        Array(n).fill('video'),
        Array(n).fill('marengo3.0'),
        rows.map((r) => r.metadata),
        rows.map((r) => `{${r.vector}}`),
      ],
    );
  }
}

const results = { copy: [], insert: [] };
console.log(`server: ${version}`);
console.log(`${total} segments x ${dimension}, ${perVideo} per video (one transaction each), ${rounds} rounds`);
for (let round = 1; round <= rounds; round++) {
  for (const [name, load] of [
    ['copy', byCopy],
    ['insert', byInsert],
  ]) {
    await client.query('TRUNCATE segments');
    const before = loadavg()[0];
    const t0 = performance.now();
    for (const video of videos) await writeVideo(video, load);
    const seconds = (performance.now() - t0) / 1000;
    const count = Number((await client.query('SELECT count(*) AS n FROM segments')).rows[0].n);
    if (count !== total) throw new Error(`${name} loaded ${count} segments, not ${total}`);
    results[name].push(total / seconds);
    console.log(
      `round ${round} ${name.padEnd(6)} ${(total / seconds).toFixed(0).padStart(7)} segments/s (${seconds.toFixed(1)} s; load average ${before.toFixed(2)} -> ${loadavg()[0].toFixed(2)})`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `median: COPY ${median(results.copy).toFixed(0)} segments/s, INSERT ${median(results.insert).toFixed(0)} segments/s, ratio ${(median(results.copy) / median(results.insert)).toFixed(2)}`,
);
await client.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
await client.end();
