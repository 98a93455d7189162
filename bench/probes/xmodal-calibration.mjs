// Probe (issue 11 part 2): calibration on cached text queries at size. A library of the
// cross-modal set (imported as a user would, the graph built at import), N cached text-like
// queries, `lib.calibrateRecall(target)`; then held-out text-like queries (others than the cached
// ones) searched by their cached text through lib.search, at the stored text ef, against the
// exact top 10. Also what a calibration on the library's own vectors alone would have stored.
//   npm run build && node bench/probes/xmodal-calibration.mjs --set xmodal-200k-1024 --target 0.99
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fitMarengo } from '../../dist/bench/fit-marengo.js';
import { marengoSpace } from '../../dist/bench/marengo-space.js';
import { latencyFigures, meanRecall } from '../../dist/bench/recall-latency.js';
import { benchSegmentRows, encodeBenchSegments, rowOfHit } from '../../dist/bench/segment-fixture.js';
import { generateXmodalSet } from '../../dist/bench/xmodal-generator.js';
import { parseXmodalSet } from '../../dist/bench/xmodal-set.js';
import { ExactIndex } from '../../dist/index/index.js';
import { openLibrary } from '../../dist/vsearch.js';
import { SHARED_DATA } from '../suite/set-data.mjs';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'xmodal-200k-1024' },
    target: { type: 'string', default: '0.99' },
    cached: { type: 'string', default: '300' },
    'held-out': { type: 'string', default: '200' },
  },
});
const t0 = performance.now();
const log = (s) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${s}\n`);
const spec = parseXmodalSet(values.set);
const target = Number(values.target);
const cached = Number(values.cached);
const heldOut = Number(values['held-out']);
const { model } = fitMarengo(SHARED_DATA);
const set = generateXmodalSet(marengoSpace(model, spec.dimension), {
  count: spec.count,
  seed: 1,
  textQueries: cached + heldOut,
  clipQueries: 0,
});
const d = set.dimension;
const textQuery = (q) => set.textQueries.subarray(q * d, (q + 1) * d);
const work = await mkdtemp(join(tmpdir(), 'vsearch-calibration-'));
try {
  const file = join(work, 'segments.arrow');
  await writeFile(file, encodeBenchSegments(benchSegmentRows(set.vectors, d, `xmodal-${d}`), `xmodal-${d}`));
  const lib = await openLibrary(join(work, 'lib'), { create: true });
  let t = performance.now();
  await lib.importSegments(file, { model: `xmodal-${d}` });
  log(`${spec.name}: imported and built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const own = await lib.calibrateRecall(target);
  log(`own vectors only: video ef ${own.ef} (recall ${own.recall}); unmeasured ${own.unmeasured.join(', ')}`);
  for (let q = 0; q < cached; q++) await lib.cacheQuery({ modality: 'text', text: `cached ${q}` }, textQuery(q));
  t = performance.now();
  const calibration = await lib.calibrateRecall(target);
  const text = calibration.modalities.text ?? calibration.unreached.text;
  log(
    `calibrated in ${((performance.now() - t) / 1000).toFixed(0)} s: text ef ${text?.ef} recall ${text?.recall} on ${text?.count} cached (${calibration.modalities.text === undefined ? 'not reached, not stored' : 'stored'}); sweep ${text?.sweep.map((p) => `${p.ef}:${p.recall}`).join(' ')}`,
  );
  const exact = new ExactIndex(d);
  exact.add(
    set.vectors,
    Uint32Array.from({ length: set.count }, (_, i) => i),
  );
  const truth = [];
  const found = [];
  const micros = new Float64Array(heldOut);
  for (let i = 0; i < heldOut; i++) {
    const q = cached + i;
    await lib.cacheQuery({ modality: 'text', text: `held out ${q}` }, textQuery(q));
    truth.push(exact.search(textQuery(q), 10).labels);
    const began = process.hrtime.bigint();
    const response = await lib.search({ text: `held out ${q}`, offline: true, pageLimit: 10 });
    micros[i] = Number(process.hrtime.bigint() - began) / 1e3;
    found.push(Uint32Array.from(response.data.map((hit) => rowOfHit(hit.video_id, hit.start))));
  }
  log(
    `held-out: ${heldOut} text-like queries searched as text at the stored ef: recall@10 ${meanRecall(found, truth).toFixed(4)} (asked ${target}), p50 ${latencyFigures(micros).p50Us} us`,
  );
  await lib.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
