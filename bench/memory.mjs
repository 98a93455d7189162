// Resident memory of an open library: a fresh process opens the seeded synthetic library
// (built once under /tmp), answers a few vector queries, and reports its RSS and peak RSS
// (VmHWM); a bare process that only reads the same HNSW file with hnswlib-node and searches
// is measured alike. Ratios against the bytes of the vectors plus the HNSW graph (the graph
// file: hnswlib stores each vector inline with its links) and against the bare process.
//   npm run build && node bench/memory.mjs --count 100000 --dim 1024 --runs 3
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { fixtureOptions, HNSWLIB_ENTRY, log, median, openFixture, reportHead } from './bench-common.mjs';
import { ensureFixture, fixtureQueries } from './fixture.mjs';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: fixtureOptions({ runs: { type: 'string', default: '3' }, queries: { type: 'string', default: '20' } }),
});
const QUERIES = Number(args.queries);
const vsearchEntry = fileURLToPath(new URL('../dist/vsearch.js', import.meta.url));
const { count: COUNT, dim: DIM, dir, graph } = await openFixture(args, ensureFixture);
const hnswlibEntry = HNSWLIB_ENTRY;
const work = await mkdtemp(join(tmpdir(), 'vsearch-memory-'));
const queryFile = join(work, 'queries.json');
const queries = fixtureQueries({ count: COUNT, dim: DIM }, QUERIES);
await writeFile(
  queryFile,
  JSON.stringify(Array.from({ length: QUERIES }, (_, q) => Array.from(queries.subarray(q * DIM, (q + 1) * DIM)))),
);

const report = `
const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
const kb = (key) => Number(new RegExp(key + ':\\\\s+(\\\\d+)').exec(status)?.[1] ?? NaN) * 1024;
process.stdout.write(JSON.stringify({ rss: kb('VmRSS'), peak: kb('VmHWM'), heapUsed: process.memoryUsage().heapUsed, arrayBuffers: process.memoryUsage().arrayBuffers }));
`;
const scripts = {
  vsearch: `import { readFile } from 'node:fs/promises';
const { openLibrary } = await import(${JSON.stringify(vsearchEntry)});
const queries = JSON.parse(await readFile(${JSON.stringify(queryFile)}, 'utf8'));
const lib = await openLibrary(${JSON.stringify(dir)});
for (const query of queries) await lib.search({ vector: query });
await lib.close();
${report}`,
  bare: `import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
const hnswlib = createRequire(import.meta.url)(${JSON.stringify(hnswlibEntry)});
const queries = JSON.parse(await readFile(${JSON.stringify(queryFile)}, 'utf8'));
const index = new hnswlib.HierarchicalNSW('cosine', ${DIM});
await index.readIndex(${JSON.stringify(graph)});
for (const query of queries) index.searchKnn(query, 10);
${report}`,
};

try {
  const results = { vsearch: [], bare: [] };
  for (let i = 0; i < Number(args.runs); i++) {
    for (const which of ['vsearch', 'bare']) {
      const path = join(work, `${which}.mjs`);
      await writeFile(path, scripts[which]);
      const { stdout } = await run(process.execPath, [path], { maxBuffer: 1 << 20 });
      results[which].push(JSON.parse(stdout));
    }
    log(
      `run ${i + 1}: vsearch rss ${(results.vsearch.at(-1).rss / 2 ** 20).toFixed(0)} MiB, bare rss ${(results.bare.at(-1).rss / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  const vectorBytes = COUNT * DIM * 4;
  const graphBytes = (await stat(graph)).size;
  const pick = (which, key) => median(results[which].map((r) => r[key]));
  const mib = (bytes) => +(bytes / 2 ** 20).toFixed(1);
  const out = {
    ...reportHead({ dir, count: COUNT, dimension: DIM }),
    queries: QUERIES,
    vectorMiB: mib(vectorBytes),
    graphFileMiB: mib(graphBytes),
    vsearch: {
      rssMiB: mib(pick('vsearch', 'rss')),
      peakMiB: mib(pick('vsearch', 'peak')),
      heapUsedMiB: mib(pick('vsearch', 'heapUsed')),
      arrayBuffersMiB: mib(pick('vsearch', 'arrayBuffers')),
    },
    bare: { rssMiB: mib(pick('bare', 'rss')), peakMiB: mib(pick('bare', 'peak')) },
    ratios: {
      rssVsVectorsPlusGraph: +(pick('vsearch', 'rss') / graphBytes).toFixed(3),
      peakVsVectorsPlusGraph: +(pick('vsearch', 'peak') / graphBytes).toFixed(3),
      rssVsBare: +(pick('vsearch', 'rss') / pick('bare', 'rss')).toFixed(3),
    },
    target: 1.3,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
