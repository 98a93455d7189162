// `npm run bench [-- flags]`: vsearch against its reference points, side by side in one run.
//   --set LIST     sets, comma-separated (env BENCH_SET): 10k-512, 10k-1024, 100k-512,
//                  100k-1024, 1m-512 (opt-in, long), marengo27 (real vectors from ../shared/data),
//                  or <count>-<dim>. Default: 10k-512,10k-1024,marengo27 (a few minutes).
//                  xmodal-<size>-<dim> (xmodal-100k-1024, xmodal-200k-1024, xmodal-1m-512): the
//                  cross-modal benchmark (bench/xmodal.mjs; text-like and clip-like queries).
//   --only LIST    sections (env BENCH_ONLY): recall, build, open, memory, arrow (recall and
//                  build share one pass; open and memory need the library it builds). Default: all.
//   --ef LIST      ef sweep (default 10,16,24,32,48,64,96,128,256); --k K (default 10)
//   --M M --ef-construction N  HNSW parameters of every engine (default 16, 200)
//   --open-runs N  timed runs of each process in the open-time comparison (default 5)
//   --name NAME    results go to bench/results/NAME.json, NAME-<set>.svg and NAME.md (default latest)
// Imports the build output (dist/): `npm run bench` builds first.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureArrowThroughput } from '../dist/bench/arrow-throughput.js';
import { DEFAULT_SETS, parseBenchSets, parseSections } from '../dist/bench/bench-sets.js';
import { recallQpsSvg } from '../dist/bench/recall-qps-svg.js';
import { plotFileName, resultsMarkdown } from '../dist/bench/results-markdown.js';
import { benchSegmentRows } from '../dist/bench/segment-fixture.js';
import { targetRatios } from '../dist/bench/target-ratios.js';
import { loadUsearch } from '../dist/bench/usearch-peer.js';
import { isXmodalSet } from '../dist/bench/xmodal-set.js';
import { BINDING } from './bench-common.mjs';
import { measureMemory, measureOpen, writeQueryFile } from './suite/open-memory.mjs';
import { measureRecallAndBuild } from './suite/recall-build.mjs';
import { setData } from './suite/set-data.mjs';
import { runXmodal, writeXmodalResults } from './xmodal.mjs';

const { values: flags } = parseArgs({
  options: {
    set: { type: 'string', default: process.env.BENCH_SET ?? DEFAULT_SETS.join(',') },
    only: { type: 'string', default: process.env.BENCH_ONLY ?? '' },
    ef: { type: 'string', default: '10,16,24,32,48,64,96,128,256' },
    k: { type: 'string', default: '10' },
    M: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '200' },
    'open-runs': { type: 'string', default: '5' },
    name: { type: 'string', default: 'latest' },
  },
});
// Cross-modal sets (xmodal-200k-1024, xmodal-1m-512, ...) run bench/xmodal.mjs and write their own results.
const setNames = flags.set
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
for (const name of setNames.filter(isXmodalSet)) {
  process.stderr.write(`results: ${await writeXmodalResults(await runXmodal(name, { k: Number(flags.k) }))}\n`);
}
const plainSets = setNames.filter((name) => !isXmodalSet(name));
if (plainSets.length === 0) process.exit(0);
const sets = parseBenchSets(plainSets.join(','));
const sections = new Set(parseSections(flags.only));
const efs = flags.ef.split(',').map(Number);
const k = Number(flags.k);
const M = Number(flags.M);
const efConstruction = Number(flags['ef-construction']);
const BUILD_EF = 64;
const resultsDir = join(import.meta.dirname, 'results');
const log = (message) => process.stderr.write(`${message}\n`);

const usearchLoad = loadUsearch();
const usearch = 'module' in usearchLoad ? usearchLoad.module : undefined;
const peers = {
  'hnswlib-node': {
    status: 'measured',
    reason: `the reference, as npm builds it; vsearch ran its ${BINDING.build} build`,
  },
  usearch:
    usearch === undefined
      ? { status: 'not installed', reason: usearchLoad.missing }
      : { status: 'measured', version: usearchLoad.version },
  'faiss-node': {
    status: 'skipped',
    reason: 'its install downloads prebuilt FAISS from GitHub, which this machine cannot reach; not a dependency',
  },
};
log(
  `usearch: ${peers.usearch.status}${usearch === undefined ? ` (${usearchLoad.missing})` : ` ${usearchLoad.version}`}; faiss-node: skipped`,
);

const results = {
  name: flags.name,
  generatedAt: new Date().toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ') || `--set ${flags.set}`}`.trim(),
  environment: {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    hnswlib: { build: BINDING.build, detail: BINDING.detail },
  },
  peers,
  sets: [],
};

for (const spec of sets) {
  log(`set ${spec.name}`);
  const data = setData(spec);
  if ('missing' in data) {
    results.sets.push({
      set: spec.name,
      description: 'not measured',
      count: 0,
      dimension: 0,
      skipped: { all: data.missing },
    });
    log(`  skipped: ${data.missing}`);
    continue;
  }
  const result = { set: spec.name, description: data.description, count: data.count, dimension: data.dimension };
  const work = await mkdtemp(join(tmpdir(), `vsearch-bench-${spec.name}-`));
  try {
    const needsLibrary = ['recall', 'build', 'open', 'memory'].some((section) => sections.has(section));
    if (needsLibrary) {
      const measured = await measureRecallAndBuild({
        data,
        work,
        k,
        efs,
        M,
        efConstruction,
        buildEf: BUILD_EF,
        usearch,
        log,
      });
      if (sections.has('recall')) result.recall = measured.recall;
      if (sections.has('build')) result.build = measured.build;
      const queryFile = await writeQueryFile(work, data.queries.subarray(0, data.dimension));
      const probe = { library: measured.library, dimension: data.dimension, count: data.count, queryFile, ef: 64, k };
      if (sections.has('open')) result.open = await measureOpen({ ...probe, runs: Number(flags['open-runs']) });
      if (sections.has('memory')) result.memory = await measureMemory(probe);
    }
    if (sections.has('arrow')) {
      const rows = benchSegmentRows(data.vectors, data.dimension, data.model);
      result.arrow = await measureArrowThroughput(
        rows,
        Uint32Array.from({ length: rows.count }, (_, i) => i),
        data.model,
        work,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  results.sets.push(result);
  log(`  ${JSON.stringify(targetRatios(result))}`);
}

await mkdir(resultsDir, { recursive: true });
await writeAtomic(join(resultsDir, `${results.name}.json`), `${JSON.stringify(results, null, 2)}\n`);
await writeAtomic(join(resultsDir, `${results.name}.md`), resultsMarkdown(results));
for (const set of results.sets)
  if (set.recall !== undefined)
    await writeAtomic(join(resultsDir, plotFileName(results.name, set.set)), recallQpsSvg(set));
console.log(resultsMarkdown(results));
log(`results: ${join(resultsDir, `${results.name}.json`)} and .md`);

async function writeAtomic(path, text) {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}
