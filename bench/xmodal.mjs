// The cross-modal benchmark (issue 11): a library of clip vectors drawn from a generator fitted
// on the real Marengo 2.7 vectors of ../shared/data, searched by text-like queries (across the
// modality gap, out of the indexed distribution) and clip-like queries (fresh clips of library
// videos). Recall@k and p50 per query kind, over an ef sweep, for vsearch's index and stock
// hnswlib-node (usearch where installed); vsearch's default ef per kind at this size; and the
// speed ratios at recall 0.95 and 0.99, timed interleaved query by query in this one run.
//   node bench/xmodal.mjs --set xmodal-200k-1024 [--ef LIST] [--queries N] [--M 16 --ef-construction 100] [--no-stock] [--no-usearch]
// Or through `npm run bench -- --set xmodal-200k-1024`.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { fitMarengo } from '../dist/bench/fit-marengo.js';
import { marengoSpace } from '../dist/bench/marengo-space.js';
import { generatedStats, realStats } from '../dist/bench/marengo-stats.js';
import { round } from '../dist/bench/percentiles.js';
import { latencyFigures, meanRecall } from '../dist/bench/recall-latency.js';
import { timeSearches } from '../dist/bench/timed-search.js';
import { loadUsearch, rowsOfKeys } from '../dist/bench/usearch-peer.js';
import { generateXmodalSet } from '../dist/bench/xmodal-generator.js';
import { xmodalMarkdown } from '../dist/bench/xmodal-markdown.js';
import { parseXmodalSet } from '../dist/bench/xmodal-set.js';
import { ExactIndex, HnswIndex } from '../dist/index/index.js';
import { defaultSearchEf } from '../dist/store/search-ef.js';
import { BINDING } from './bench-common.mjs';
import { SHARED_DATA } from './suite/set-data.mjs';

const KINDS = ['text', 'clip'];
const SEED = 1;

export async function runXmodal(setName, options = {}) {
  const spec = parseXmodalSet(setName);
  const k = options.k ?? 10;
  const efs = options.efs ?? [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];
  const M = options.M ?? 16;
  const efConstruction = options.efConstruction ?? 100;
  const stockEfConstruction = options.stockEfConstruction ?? 200;
  const queries = options.queries ?? spec.queries;
  const log = options.log ?? ((message) => process.stderr.write(`${message}\n`));
  const started = Date.now();

  const { real, model } = fitMarengo(SHARED_DATA);
  const space = marengoSpace(model, spec.dimension);
  const fit = {
    real: realStats(real),
    generated: generatedStats(space, {
      videoCount: real.videoCount,
      textCount: 200,
      clipVideoCount: 40,
      clipsPerVideo: 6,
    }),
    note:
      spec.dimension === 1024
        ? 'fitted in the real 1024-d space'
        : `the 1024-d fit carried into ${spec.dimension}-d with every norm and inner product of its directions kept (the Marengo 3.0 data at hand is one 512-d text query, no video vectors)`,
  };
  const set = generateXmodalSet(space, { count: spec.count, seed: SEED, textQueries: queries, clipQueries: queries });
  const { dimension, count } = set;
  const byKind = { text: set.textQueries, clip: set.clipQueries };
  log(
    `xmodal ${spec.name}: ${count} x ${dimension}, ${set.videos} videos, ${queries} text-like + ${queries} clip-like queries (${((Date.now() - started) / 1000).toFixed(0)} s to fit and generate)`,
  );

  const labels = Uint32Array.from({ length: count }, (_, i) => i);
  const exact = new ExactIndex(dimension);
  exact.add(set.vectors, labels);
  const query = (kind, q) => byKind[kind].subarray(q * dimension, (q + 1) * dimension);
  const truth = {};
  for (const kind of KINDS)
    truth[kind] = Array.from({ length: queries }, (_, q) => exact.search(query(kind, q), k).labels);
  log('  exact ground truth done');

  let begin = process.hrtime.bigint();
  const vsearch = new HnswIndex({ dimension, M, efConstruction, capacity: count, seed: 100 });
  vsearch.add(set.vectors, labels);
  const vsearchBuild = secondsSince(begin);
  log(
    `  vsearch HnswIndex build (M=${M} efConstruction=${efConstruction}, ${vsearch.insertThreads} threads): ${vsearchBuild.toFixed(1)} s`,
  );

  // The one cheap candidate measured (issue 11 part 4): the same index built with a wider efConstruction.
  const candidateEfConstruction = options.candidateEfConstruction;
  let candidate;
  let candidateBuild;
  if (candidateEfConstruction !== undefined) {
    begin = process.hrtime.bigint();
    candidate = new HnswIndex({ dimension, M, efConstruction: candidateEfConstruction, capacity: count, seed: 100 });
    candidate.add(set.vectors, labels);
    candidateBuild = secondsSince(begin);
    log(`  vsearch candidate build (M=${M} efConstruction=${candidateEfConstruction}): ${candidateBuild.toFixed(1)} s`);
  }

  // Stock hnswlib-node builds with one thread (about 6x vsearch's build here): --no-stock skips it on a loaded machine.
  let stock;
  let stockBuild;
  if (options.stock !== false) {
    begin = process.hrtime.bigint();
    stock = new hnswlib.HierarchicalNSW('cosine', dimension);
    stock.initIndex(count, M, stockEfConstruction, 100);
    for (let row = 0; row < count; row++)
      stock.addPoint(Array.from(set.vectors.subarray(row * dimension, (row + 1) * dimension)), row);
    stockBuild = secondsSince(begin);
    log(
      `  stock hnswlib-node build (M=${M} efConstruction=${stockEfConstruction}, 1 thread): ${stockBuild.toFixed(1)} s`,
    );
  }
  const raw = Object.fromEntries(
    KINDS.map((kind) => [kind, Array.from({ length: queries }, (_, q) => Array.from(query(kind, q)))]),
  );

  const engines = [
    {
      engine: 'vsearch',
      label: `vsearch HnswIndex.search (M=${M}, efConstruction=${efConstruction})`,
      at: (ef) => (kind, q) => vsearch.search(query(kind, q), k, { ef }).labels,
    },
  ];
  if (stock !== undefined) {
    engines.push({
      engine: 'hnswlib-node',
      label: `stock hnswlib-node searchKnn, own 1-thread build (M=${M}, efConstruction=${stockEfConstruction})`,
      // setEf on every call: the interleaved timing runs this index at two efs in turn.
      at: (ef) => (kind, q) => {
        stock.setEf(ef);
        return stock.searchKnn(raw[kind][q], k).neighbors;
      },
    });
  }
  if (candidate !== undefined) {
    engines.splice(1, 0, {
      engine: `vsearch-efc${candidateEfConstruction}`,
      label: `vsearch HnswIndex.search (M=${M}, efConstruction=${candidateEfConstruction}: the candidate)`,
      at: (ef) => (kind, q) => candidate.search(query(kind, q), k, { ef }).labels,
    });
  }
  const usearchLoad = options.usearch === false ? { missing: 'skipped in this run (--no-usearch)' } : loadUsearch();
  const peers = {
    'hnswlib-node': stock === undefined ? 'skipped in this run (--no-stock)' : 'measured',
    usearch: 'module' in usearchLoad ? `measured ${usearchLoad.version}` : `not installed (${usearchLoad.missing})`,
  };
  if ('module' in usearchLoad) {
    const usearch = usearchLoad.module;
    const config = {
      dimensions: dimension,
      metric: 'cos',
      quantization: 'f32',
      connectivity: M,
      expansion_add: stockEfConstruction,
      expansion_search: 64,
      multi: false,
    };
    const built = new usearch.Index(config);
    begin = process.hrtime.bigint();
    built.add(
      BigUint64Array.from({ length: count }, (_, i) => BigInt(i)),
      set.vectors,
      1,
    );
    log(`  usearch build (1 thread): ${secondsSince(begin).toFixed(1)} s`);
    const own = Object.fromEntries(
      KINDS.map((kind) => [kind, Array.from({ length: queries }, (_, q) => query(kind, q).slice())]),
    );
    const file = join(options.work ?? '/tmp', `xmodal-usearch-${process.pid}.index`);
    built.save(file);
    engines.push({
      engine: 'usearch',
      label: 'usearch HNSW (1 thread, f32)',
      at: (ef) => {
        const view = new usearch.Index({ ...config, expansion_search: ef });
        view.view(file);
        return (kind, q) => rowsOfKeys(view.search(own[kind][q], k, 1).keys);
      },
    });
  }

  const sweeps = [];
  for (const engine of engines) {
    for (const kind of KINDS) {
      const points = [];
      for (const ef of efs) {
        const run = engine.at(ef);
        points.push({ ef, ...timed(queries, (q) => run(kind, q), truth[kind]) });
      }
      sweeps.push({ engine: engine.engine, label: engine.label, kind, points });
      log(`  ${engine.engine} ${kind}: ${points.map((p) => `${p.ef}:${p.recall}`).join(' ')}`);
    }
  }

  // vsearch's default search breadth for this size, per query modality.
  const defaults = {};
  for (const [kind, modality] of [
    ['text', 'text'],
    ['clip', 'video'],
  ]) {
    const ef = defaultSearchEf(count, modality);
    const run = engines[0].at(ef);
    defaults[kind] = { modality, ef, ...timed(queries, (q) => run(kind, q), truth[kind]) };
    if (candidate !== undefined) {
      const other = engines[1].at(ef);
      defaults[kind].candidate = { engine: engines[1].engine, ...timed(queries, (q) => other(kind, q), truth[kind]) };
    }
  }
  log(
    `  default ef: text ${defaults.text.ef} -> recall ${defaults.text.recall}, clip ${defaults.clip.ef} -> ${defaults.clip.recall}`,
  );

  // At each target recall, the smallest swept ef reaching it per engine and kind, then those
  // searches timed interleaved query by query (round-robin, rotating the order) for the ratios.
  const ratios = [];
  for (const target of [0.95, 0.99]) {
    const chosen = [];
    for (const sweep of sweeps) {
      const point = sweep.points.find((p) => p.recall >= target);
      if (point !== undefined)
        chosen.push({ engine: sweep.engine, kind: sweep.kind, ef: point.ef, recall: point.recall });
    }
    const runs = chosen.map((c) => {
      const run = engines.find((e) => e.engine === c.engine).at(c.ef);
      return (q) => run(c.kind, q);
    });
    const times = interleaved(queries, runs);
    const measured = chosen.map((c, i) => ({ ...c, p50Us: latencyFigures(times[i]).p50Us }));
    const find = (engine, kind) => measured.find((m) => m.engine === engine && m.kind === kind);
    const vText = find('vsearch', 'text');
    const vClip = find('vsearch', 'clip');
    const sText = find('hnswlib-node', 'text');
    ratios.push({
      target,
      points: measured,
      textOverClip: vText && vClip ? round(vText.p50Us / vClip.p50Us, 3) : null,
      textOverStockText: vText && sText ? round(vText.p50Us / sText.p50Us, 3) : null,
    });
    log(`  at recall ${target}: ${measured.map((m) => `${m.engine}/${m.kind} ef ${m.ef} p50 ${m.p50Us}`).join(', ')}`);
  }

  return {
    set: spec.name,
    generatedAt: new Date().toISOString(),
    command: options.command ?? `npm run bench -- --set ${spec.name}`,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      hnswlib: { build: BINDING.build, detail: BINDING.detail },
    },
    description: `${count} x ${dimension} clip vectors of ${set.videos} videos from the generator fitted on the real Marengo 2.7 vectors (seed ${SEED}); ${queries} text-like queries (across the modality gap) and ${queries} clip-like queries (fresh clips of library videos), recall@${k} against exact search`,
    count,
    dimension,
    videos: set.videos,
    queries,
    k,
    fit,
    peers,
    builds: {
      vsearch: { seconds: round(vsearchBuild, 1), M, efConstruction, threads: vsearch.insertThreads },
      ...(candidate === undefined
        ? {}
        : {
            [`vsearch-efc${candidateEfConstruction}`]: {
              seconds: round(candidateBuild, 1),
              M,
              efConstruction: candidateEfConstruction,
              threads: candidate.insertThreads,
            },
          }),
      ...(stock === undefined
        ? {}
        : { 'hnswlib-node': { seconds: round(stockBuild, 1), M, efConstruction: stockEfConstruction, threads: 1 } }),
    },
    sweeps,
    defaults,
    ratios,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

function timed(count, run, truth) {
  const { found, micros } = timeSearches(count, run, Math.min(20, count));
  return { recall: round(meanRecall(found, truth), 4), p50Us: latencyFigures(micros).p50Us };
}

/** Each run on each query, the order rotated per query, so drifting load weighs on all alike. */
function interleaved(count, runs) {
  const times = runs.map(() => new Float64Array(count));
  for (const run of runs) for (let q = 0; q < Math.min(20, count); q++) run(q);
  for (let q = 0; q < count; q++) {
    for (let j = 0; j < runs.length; j++) {
      const r = (q + j) % runs.length;
      const start = process.hrtime.bigint();
      runs[r](q);
      times[r][q] = Number(process.hrtime.bigint() - start) / 1e3;
    }
  }
  return times;
}

function secondsSince(begin) {
  return Number(process.hrtime.bigint() - begin) / 1e9;
}

export async function writeXmodalResults(result) {
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  for (const [name, text] of [
    [`${result.set}.json`, `${JSON.stringify(result, null, 2)}\n`],
    [`${result.set}.md`, xmodalMarkdown(result)],
  ]) {
    await writeFile(join(dir, `${name}.tmp`), text);
    await rename(join(dir, `${name}.tmp`), join(dir, name));
  }
  return join(dir, `${result.set}.md`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      set: { type: 'string', default: 'xmodal-100k-1024' },
      ef: { type: 'string' },
      queries: { type: 'string' },
      M: { type: 'string' },
      'ef-construction': { type: 'string' },
      candidate: { type: 'string' },
      'no-usearch': { type: 'boolean' },
      'no-stock': { type: 'boolean' },
    },
  });
  const result = await runXmodal(values.set, {
    ...(values.ef === undefined ? {} : { efs: values.ef.split(',').map(Number) }),
    ...(values.queries === undefined ? {} : { queries: Number(values.queries) }),
    ...(values.M === undefined ? {} : { M: Number(values.M) }),
    ...(values['ef-construction'] === undefined ? {} : { efConstruction: Number(values['ef-construction']) }),
    ...(values.candidate === undefined ? {} : { candidateEfConstruction: Number(values.candidate) }),
    ...(values['no-usearch'] ? { usearch: false } : {}),
    ...(values['no-stock'] ? { stock: false } : {}),
    command: `node bench/xmodal.mjs ${process.argv.slice(2).join(' ')}`,
  });
  process.stderr.write(`results: ${await writeXmodalResults(result)}\n`);
}
