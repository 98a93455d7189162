// What checking a graph file costs on every open, on the seeded fixture library:
//   structure  checkGraphFile without its checksum (one read of the file: every header field,
//              link count and link id)
//   checksum   the whole file's crc32 (fileChecksum), which saves and doctor check, not opens
//   readIndex  hnswlib-node's readIndex alone (the bare cost of opening)
//   load       loadHnswIndex: structure (with the links checksum), then readIndex
// Runs alternate (after one untimed round the page cache holds the file for all alike);
// medians, and load's and structure's ratio to readIndex, as JSON.
//   npm run build && node bench/graph-check.mjs --count 100000 --dim 1024 --runs 7
import { link, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';
import { checkGraphFile, fileChecksum } from '../dist/index/graph-file-check.js';
import { loadHnswIndex } from '../dist/index/persist.js';
import { BINDING, fixtureOptions, log, median, openFixture, reportHead } from './bench-common.mjs';
import { ensureFixture } from './fixture.mjs';

const { values: args } = parseArgs({
  options: fixtureOptions({ runs: { type: 'string', default: '7' }, root: { type: 'string' } }),
});
const RUNS = Number(args.runs);
const ensure = (options) => ensureFixture({ ...options, ...(args.root === undefined ? {} : { root: args.root }) });
const { count, dim, dir, graph, sidecar } = await openFixture(args, ensure);

// A format-2 sidecar for the fixture's graph (hard-linked, not copied), as a current save writes it.
const work = await mkdtemp(join(tmpdir(), 'vsearch-graph-check-'));
await link(graph, join(work, 'hnsw-1.bin'));
const checked = await checkGraphFile(graph, { dimension: dim });
const { checksum: _old, ...fields } = {
  ...sidecar,
  format: 2,
  graph: 'hnsw-1.bin',
  graphBytes: checked.bytes,
  graphChecksum: checked.checksum,
  graphLinksChecksum: checked.linksChecksum,
};
await writeFile(
  join(work, 'sidecar.json'),
  JSON.stringify({
    ...fields,
    checksum: `crc32:${(crc32(JSON.stringify(fields)) >>> 0).toString(16).padStart(8, '0')}`,
  }),
);

const timed = async (work) => {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const steps = {
  structure: () => checkGraphFile(graph, { dimension: dim, checksum: false }),
  checksum: () => fileChecksum(graph),
  readIndex: () => new BINDING.hnswlib.HierarchicalNSW('cosine', dim).readIndex(graph),
  load: async () => {
    const loaded = await loadHnswIndex(work, { dimension: dim, metric: 'cosine' });
    if (loaded?.index.size !== count) throw new Error('the fixture did not load');
  },
};
const times = Object.fromEntries(Object.keys(steps).map((name) => [name, []]));
try {
  for (const step of Object.values(steps)) await step();
  for (let i = 0; i < RUNS; i++) {
    const order = Object.keys(steps);
    if (i % 2 === 1) order.reverse();
    for (const name of order) times[name].push(await timed(steps[name]));
    log(`run ${i + 1}/${RUNS}: ${order.map((name) => `${name} ${times[name].at(-1).toFixed(0)} ms`).join(', ')}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
const medians = Object.fromEntries(Object.entries(times).map(([name, all]) => [name, Math.round(median(all))]));
const report = {
  ...reportHead({ dir, count, dimension: dim }),
  binding: BINDING.build,
  graphBytes: fields.graphBytes,
  runs: RUNS,
  medianMs: medians,
  allMs: Object.fromEntries(Object.entries(times).map(([name, all]) => [name, all.map((v) => Math.round(v))])),
  structureOverReadIndex: Number((median(times.structure) / median(times.readIndex)).toFixed(2)),
  loadOverReadIndex: Number((median(times.load) / median(times.readIndex)).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
