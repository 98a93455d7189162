// Cold-process open time: `vsearch query --vector FILE --lib DIR --json` (the CLI's real path:
// process start, open the library, answer one query) against a bare node script that only
// reads the library's HNSW file with hnswlib-node and runs one searchKnn, on the same seeded
// synthetic library (built once under /tmp). Runs alternate; medians and their ratio as JSON.
//   npm run build && node bench/open-time.mjs --count 100000 --dim 1024 --runs 7 [--cpu-prof DIR]
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { fixtureOptions, HNSWLIB_ENTRY, log, median, openFixture, reportHead } from './bench-common.mjs';
import { ensureFixture, fixtureQueries } from './fixture.mjs';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: fixtureOptions({ runs: { type: 'string', default: '7' }, 'cpu-prof': { type: 'string' } }),
});
const RUNS = Number(args.runs);
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const { count: COUNT, dim: DIM, dir, graph, manifest } = await openFixture(args, ensureFixture);
const hnswlibEntry = HNSWLIB_ENTRY;
const work = await mkdtemp(join(tmpdir(), 'vsearch-open-'));
const vectorFile = join(work, 'query.json');
await writeFile(vectorFile, JSON.stringify(Array.from(fixtureQueries({ count: COUNT, dim: DIM }, 1))));
// The reference: read the graph, read the same query file, search once, print the labels.
const bare = join(work, 'bare.mjs');
await writeFile(
  bare,
  `import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
const hnswlib = createRequire(import.meta.url)(${JSON.stringify(hnswlibEntry)});
const index = new hnswlib.HierarchicalNSW('cosine', ${DIM});
await index.readIndex(${JSON.stringify(graph)});
index.setEf(${manifest.index.ef});
const query = JSON.parse(await readFile(${JSON.stringify(vectorFile)}, 'utf8'));
process.stdout.write(JSON.stringify(index.searchKnn(query, 10).neighbors) + '\\n');
`,
);

async function timed(argv) {
  const started = process.hrtime.bigint();
  const { stdout } = await run(process.execPath, argv, { maxBuffer: 64 << 20 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout };
}

const cliArgs = (extra = []) => [...extra, cli, 'query', '--vector', vectorFile, '--lib', dir, '--json', '--offline'];
try {
  // One untimed run of each: the page cache holds the files for both alike.
  await timed([bare]);
  await timed(cliArgs());
  const bareTimes = [];
  const cliTimes = [];
  let hits = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const which of i % 2 === 0 ? ['bare', 'cli'] : ['cli', 'bare']) {
      if (which === 'bare') bareTimes.push((await timed([bare])).ms);
      else {
        const result = await timed(cliArgs());
        cliTimes.push(result.ms);
        hits = JSON.parse(result.stdout).data.length;
      }
    }
    log(`run ${i + 1}: bare ${bareTimes.at(-1).toFixed(0)} ms, cli ${cliTimes.at(-1).toFixed(0)} ms`);
  }
  if (args['cpu-prof'] !== undefined) await timed(cliArgs(['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`]));
  const result = {
    ...reportHead({ dir, count: COUNT, dimension: DIM }),
    graphBytes: (await import('node:fs')).statSync(graph).size,
    runs: RUNS,
    hits,
    bareMs: { median: +median(bareTimes).toFixed(1), all: bareTimes.map((t) => +t.toFixed(1)) },
    cliMs: { median: +median(cliTimes).toFixed(1), all: cliTimes.map((t) => +t.toFixed(1)) },
    ratio: +(median(cliTimes) / median(bareTimes)).toFixed(3),
    target: 1.5,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
