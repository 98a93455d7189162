// Segments/s loading vectors into PostgreSQL + pgvector, on PGlite (PostgreSQL compiled to WASM,
// single-threaded: absolute rates are far below a native server; compare the methods only).
// COPY runs in process (PGlite's COPY FROM '/dev/blob'): pglite-socket 0.2.17 drops the connection
// on a wire COPY FROM STDIN. Usage: node bench/pg-load.mjs [segments=4000] [dimension=512]
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const total = Number(process.argv[2] ?? 4000);
const dimension = Number(process.argv[3] ?? 512);
const BATCH = 500;

function vectorText(i) {
  const v = new Float32Array(dimension);
  for (let d = 0; d < dimension; d++) v[d] = Math.sin(i * 31 + d);
  return `[${Array.from(v).join(',')}]`;
}
const rows = Array.from({ length: total }, (_, i) => ({
  video: `v${Math.floor(i / 50)}`,
  start: (i % 50) * 6,
  vector: vectorText(i),
}));

const db = await PGlite.create({ extensions: { vector } });
await db.exec('CREATE EXTENSION vector');
const fresh = async (name) =>
  db.exec(
    `DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} (video_id text, start_sec float8, metadata jsonb, embedding vector, PRIMARY KEY (video_id, start_sec))`,
  );

async function timed(label, run) {
  const t0 = performance.now();
  await run();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(34)} ${(total / s).toFixed(0).padStart(8)} segments/s (${s.toFixed(2)} s)`);
}

await fresh('by_copy');
await timed('COPY FROM blob (in process)', async () => {
  const text = rows.map((r) => `${r.video}\t${r.start}\t{}\t${r.vector}\n`).join('');
  await db.query("COPY by_copy FROM '/dev/blob'", [], { blob: new Blob([text]) });
});

await fresh('by_insert');
await timed(`batched multi-row INSERT (${BATCH} rows)`, async () => {
  for (let s = 0; s < total; s += BATCH) {
    const part = rows.slice(s, s + BATCH);
    const values = part.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ');
    await db.query(
      `INSERT INTO by_insert VALUES ${values}`,
      part.flatMap((r) => [r.video, r.start, '{}', r.vector]),
    );
  }
});

await fresh('by_row');
await timed('one INSERT per row', async () => {
  for (const r of rows)
    await db.query('INSERT INTO by_row VALUES ($1, $2, $3, $4)', [r.video, r.start, '{}', r.vector]);
});
await db.close();
