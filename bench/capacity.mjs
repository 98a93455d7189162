// Memory one segment needs in an HNSW graph (hnswlib-node, cosine) at M 16, efConstruction 100,
// at 512-d and 1024-d: a fresh child process per dimension builds a graph of --count seeded unit
// vectors and reports its RSS growth (VmRSS before the graph and after the last insert) and the
// saved graph file's size, per segment. The vectors the store keeps (Float32, dim x 4 bytes) are
// beside the graph, which holds its own copy of each vector inline with its links.
//   nice node bench/capacity.mjs --count 50000
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { HNSWLIB_ENTRY } from './bench-common.mjs';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    out: { type: 'string', default: 'bench/results/capacity.json' },
  },
});
const COUNT = Number(args.count);

const child = (dim) => `
import { createRequire } from 'node:module';
import { readFileSync, statSync, rmSync } from 'node:fs';
const hnswlib = createRequire(import.meta.url)(${JSON.stringify(HNSWLIB_ENTRY)});
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
let seed = 12345;
const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
const point = new Array(${dim});
const before = rss();
const index = new hnswlib.HierarchicalNSW('cosine', ${dim});
index.initIndex(${COUNT}, 16, 100, 100);
for (let i = 0; i < ${COUNT}; i++) {
  let norm = 0;
  for (let j = 0; j < ${dim}; j++) { point[j] = next(); norm += point[j] * point[j]; }
  norm = Math.sqrt(norm);
  for (let j = 0; j < ${dim}; j++) point[j] /= norm;
  index.addPoint(point, i);
}
const after = rss();
const file = ${JSON.stringify(join(tmpdir(), `vsearch-capacity-${process.pid}-`))} + ${dim} + '.bin';
index.writeIndexSync(file);
const bytes = statSync(file).size;
rmSync(file);
process.stdout.write(JSON.stringify({ dim: ${dim}, count: ${COUNT}, rssGrowth: after - before, graphFile: bytes }));
`;

const results = [];
for (const dim of [512, 1024]) {
  const path = join(tmpdir(), `vsearch-capacity-${process.pid}-${dim}.mjs`);
  await writeFile(path, child(dim));
  const started = Date.now();
  const { stdout } = await run(process.execPath, [path], { maxBuffer: 1 << 20 });
  const measured = JSON.parse(stdout);
  const perSegment = { graphRss: measured.rssGrowth / COUNT, graphFile: measured.graphFile / COUNT, vectors: dim * 4 };
  results.push({ ...measured, perSegment, seconds: (Date.now() - started) / 1000 });
  process.stderr.write(
    `${dim}-d: graph RSS ${perSegment.graphRss.toFixed(0)} B/segment, graph file ${perSegment.graphFile.toFixed(0)} B/segment, vectors ${perSegment.vectors} B/segment\n`,
  );
}
await mkdir('bench/results', { recursive: true });
await writeFile(args.out, `${JSON.stringify({ bench: 'capacity', M: 16, efConstruction: 100, results }, null, 2)}\n`);
