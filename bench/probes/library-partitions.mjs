// Probe (issue 11 part 4): partition search end to end, through lib.search, on a library that
// bench/scale-1m.mjs built (its DIR holds the library, the text-like queries and their exact top
// 10). Two handles on the library, one with `partitionSearch`, one without; each text query is
// searched by its cached text on both, alternating which goes first; the first partitioned
// search (which reads the stored vectors and builds the partitions; the graph is read before by a
// vector query) is timed on its own, with the RSS it adds.
//   npm run build && node bench/probes/library-partitions.mjs --dir /work/scratch-scale/run4 [--probes N]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { latencyFigures, meanRecall } from '../../dist/bench/recall-latency.js';
import { defaultPartitionProbes } from '../../dist/index/clip-partitions.js';
import { openLibrary } from '../../dist/vsearch.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, probes: { type: 'string' } } });
const DIR = values.dir;
const K = 10;
const CLIP_SEC = 6;
const steps = JSON.parse(await readFile(join(DIR, 'steps.json'), 'utf8'));
const dimension = steps.dimension;
const truth = JSON.parse(await readFile(join(DIR, 'truth.json'), 'utf8')).text.map((list) => Uint32Array.from(list));
const bytes = await readFile(join(DIR, 'text-queries.f32'));
const queries = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const starts = await readFile(join(DIR, 'video-starts.u32'));
const videoStarts = new Uint32Array(starts.buffer, starts.byteOffset, starts.byteLength / 4);
const rowOf = (hit) => videoStarts[Number(hit.video_id.slice(1))] + Math.round(hit.start / CLIP_SEC);
const count = truth.length;
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);

const lib = join(DIR, 'lib');
const plain = await openLibrary(lib);
for (let q = 0; q < count; q++)
  await plain.cacheQuery(
    { modality: 'text', text: `scale text query ${q}` },
    queries.subarray(q * dimension, (q + 1) * dimension),
  );
const probes = values.probes === undefined ? true : Number(values.probes);
const partitioned = await openLibrary(lib, { partitionSearch: probes });
const segments = partitioned.manifest.counts.segments;
const request = (q) => ({ text: `scale text query ${q}`, offline: true, pageLimit: K });
await plain.search(request(0));
// A vector query keeps the graph: it reads the partitioned handle's graph, so what follows times the partitions alone.
await partitioned.search({ vector: queries.subarray(0, dimension), pageLimit: K });
const rssBefore = process.memoryUsage().rss;
let began = performance.now();
await partitioned.search(request(0));
const firstMs = performance.now() - began;
const rssAfter = process.memoryUsage().rss;

const handles = [plain, partitioned];
const found = handles.map(() => []);
const micros = handles.map(() => new Float64Array(count));
for (let q = 0; q < count; q++) {
  for (let j = 0; j < handles.length; j++) {
    const h = (q + j) % handles.length;
    began = process.hrtime.bigint();
    const response = await handles[h].search(request(q));
    micros[h][q] = Number(process.hrtime.bigint() - began) / 1e3;
    found[h][q] = Uint32Array.from(response.data.map(rowOf));
  }
}
await plain.close();
await partitioned.close();
const p = probes === true ? defaultPartitionProbes(segments, dimension) : probes;
process.stdout.write(
  `${segments} segments x ${dimension}; ${count} text-like queries searched as text through lib.search\n` +
    `first partitioned search (reads the stored vectors, builds the partitions): ${(firstMs / 1000).toFixed(1)} s, RSS ${mib(rssBefore)} -> ${mib(rssAfter)} MiB\n` +
    '| handle | recall@10 | p50 us | p99 us |\n|---|---|---|---|\n' +
    [`graph (default ef)`, `partitionSearch (P=${p})`]
      .map((name, h) => {
        const l = latencyFigures(micros[h]);
        return `| ${name} | ${meanRecall(found[h], truth).toFixed(4)} | ${l.p50Us} | ${l.p99Us} |`;
      })
      .join('\n') +
    '\n',
);
