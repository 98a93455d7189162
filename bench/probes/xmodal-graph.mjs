// Probe (issue 11 part 4, candidate d): what a denser graph (M, efConstruction) buys text-like
// and clip-like recall@10, and what it costs to build. All graphs are searched interleaved query
// by query at each ef in this one run; compare ratios, not absolute times across runs.
//   nice -n 10 node bench/probes/xmodal-graph.mjs --set xmodal-50k-1024 --graphs 16:100,16:200,32:100
import { parseArgs } from 'node:util';
import { latencyFigures, meanRecall } from '../../dist/bench/recall-latency.js';
import { parseXmodalSet } from '../../dist/bench/xmodal-set.js';
import { ExactIndex, HnswIndex } from '../../dist/index/index.js';
import { sharedXmodalSet } from '../suite/set-data.mjs';
import { interleavedSweep } from './interleaved-sweep.mjs';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'xmodal-50k-1024' },
    queries: { type: 'string', default: '200' },
    graphs: { type: 'string', default: '16:100,16:200,32:100' },
    'text-ef': { type: 'string', default: '256,512,1024,1536' },
    'clip-ef': { type: 'string', default: '64,128,256' },
  },
});
const spec = parseXmodalSet(values.set);
const queries = Number(values.queries);
const k = 10;
const set = await sharedXmodalSet(spec, queries);
const d = set.dimension;
const labels = Uint32Array.from({ length: set.count }, (_, i) => i);
const exact = new ExactIndex(d);
exact.add(set.vectors, labels);
const byKind = { text: set.textQueries, clip: set.clipQueries };
const query = (kind, q) => byKind[kind].subarray(q * d, (q + 1) * d);
const truth = {};
for (const kind of ['text', 'clip'])
  truth[kind] = Array.from({ length: queries }, (_, q) => exact.search(query(kind, q), k).labels);

const graphs = values.graphs.split(',').map((pair) => {
  const [M, efConstruction] = pair.split(':').map(Number);
  const begin = process.hrtime.bigint();
  const index = new HnswIndex({ dimension: d, M, efConstruction, capacity: set.count, seed: 100 });
  index.add(set.vectors, labels);
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  process.stdout.write(
    `${spec.name} M=${M} efConstruction=${efConstruction}: build ${seconds.toFixed(1)} s (${index.insertThreads} threads)\n`,
  );
  return { name: `M${M}/efc${efConstruction}`, index };
});
for (const [kind, efList] of [
  ['text', values['text-ef']],
  ['clip', values['clip-ef']],
]) {
  for (const ef of efList.split(',').map(Number)) {
    const { found, times } = interleavedSweep(graphs, (q) => query(kind, q), queries, k, ef);
    const line = graphs.map(
      (g, j) => `${g.name}: ${meanRecall(found[j], truth[kind]).toFixed(4)} / ${latencyFigures(times[j]).p50Us}us`,
    );
    process.stdout.write(`${kind} ef ${ef} | ${line.join(' | ')}\n`);
  }
}
