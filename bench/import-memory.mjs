// Peak RSS of a streaming JSONL import (issue 16 part 3): writes --count seeded --dim segments
// (10 per video) as JSONL to a temp folder, imports them in a fresh process with
// lib.importSegments into a new library, and reads the child's peak RSS (VmHWM) against the
// vectors' bytes (count x dim x 4). --index exact (default) keeps the HNSW graph build out of the
// figure (an exact index holds the vectors once); --index auto measures import plus graph build;
// --index none measures the store's streaming import alone (SegmentStore.appendBatches fed by
// streamImportFiles, what importSegments runs before it brings the index up to date).
// The JSONL and the library are deleted afterwards.
//   npm run build && nice node bench/import-memory.mjs --count 250000 --dim 512
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '250000' },
    dim: { type: 'string', default: '512' },
    index: { type: 'string', default: 'exact' },
    out: { type: 'string', default: 'bench/results/import-memory.json' },
  },
});
const COUNT = Number(args.count);
const DIM = Number(args.dim);
const MODEL = DIM === 512 ? 'marengo3.0' : DIM === 1024 ? 'Marengo-retrieval-2.7' : `custom-${DIM}`;
const entry = fileURLToPath(new URL('../dist/vsearch.js', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'vsearch-import-memory-'));
const jsonl = join(work, 'segments.jsonl');

try {
  let seed = 20261202;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
  const out = createWriteStream(jsonl);
  const started = Date.now();
  for (let i = 0; i < COUNT; i++) {
    const embedding = Array.from({ length: DIM }, () => Number(next().toFixed(6)));
    const clip = i % 10;
    const line = `${JSON.stringify({ video_id: `v${Math.floor(i / 10)}`, start_sec: clip * 6, end_sec: clip * 6 + 6, embedding })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const textBytes = (await stat(jsonl)).size;
  process.stderr.write(
    `wrote ${COUNT} x ${DIM} as ${(textBytes / 1024 ** 3).toFixed(2)} GiB of JSONL in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );

  const script = join(work, 'import.mjs');
  const storeOnly = `const { SegmentStore } = await import(${JSON.stringify(fileURLToPath(new URL('../dist/store/index.js', import.meta.url)))});
const { streamImportFiles } = await import(${JSON.stringify(fileURLToPath(new URL('../dist/build/import-files.js', import.meta.url)))});
const { readFileSync } = await import('node:fs');
const started = Date.now();
const store = await SegmentStore.open(${JSON.stringify(join(work, 'lib'))}, { create: true });
let summary;
await store.appendBatches(async (put) => {
  summary = await streamImportFiles([${JSON.stringify(jsonl)}], { model: ${JSON.stringify(MODEL)} }, store.segmentFileRows, put);
  return {};
});
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (key) => Number(new RegExp(key + ':\\\\s+(\\\\d+)').exec(status)?.[1]) * 1024;
process.stdout.write(JSON.stringify({ summary: { rows: summary.rows, videos: summary.videos }, seconds: (Date.now() - started) / 1000, peakRss: kb('VmHWM'), rss: kb('VmRSS') }));
`;
  await writeFile(
    script,
    args.index === 'none'
      ? storeOnly
      : `const { openLibrary } = await import(${JSON.stringify(entry)});
const { readFileSync } = await import('node:fs');
const started = Date.now();
const lib = await openLibrary(${JSON.stringify(join(work, 'lib'))}, { create: true, index: { kind: ${JSON.stringify(args.index)} } });
const summary = await lib.importSegments(${JSON.stringify(jsonl)}, { model: ${JSON.stringify(MODEL)} });
await lib.close();
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (key) => Number(new RegExp(key + ':\\\\s+(\\\\d+)').exec(status)?.[1]) * 1024;
process.stdout.write(JSON.stringify({ summary, seconds: (Date.now() - started) / 1000, peakRss: kb('VmHWM'), rss: kb('VmRSS') }));
`,
  );
  const { stdout } = await run(process.execPath, [script], { maxBuffer: 1 << 20 });
  const measured = JSON.parse(stdout);
  const vectors = COUNT * DIM * 4;
  const result = {
    bench: 'import-memory',
    count: COUNT,
    dim: DIM,
    index: args.index,
    jsonlBytes: textBytes,
    vectorBytes: vectors,
    ...measured,
    peakOverVectors: measured.peakRss / vectors,
  };
  process.stderr.write(
    `import: ${measured.seconds.toFixed(0)} s, peak RSS ${(measured.peakRss / 1024 ** 2).toFixed(0)} MiB = ${result.peakOverVectors.toFixed(2)}x the ${(vectors / 1024 ** 2).toFixed(0)} MiB of vectors\n`,
  );
  await mkdir('bench/results', { recursive: true });
  await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
