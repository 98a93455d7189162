// Recall@k, latency and QPS over an ef sweep, and index build throughput, for every engine
// on one set, in this one process: the exact ground truth (vsearch's ExactIndex), a plain
// JS scan, raw hnswlib-node on its own single-threaded build (the reference, the addon as npm
// builds it), vsearch end to end on a library built through its public path, raw hnswlib-node
// on vsearch's graph through the addon vsearch runs (with and without the Float32Array ->
// number[] conversion; also the stock addon when vsearch runs the copy compiled for this CPU),
// and usearch when installed.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { round } from '../../dist/bench/percentiles.js';
import { plainExactScan } from '../../dist/bench/plain-exact-scan.js';
import { exactGroundTruth, latencyFigures } from '../../dist/bench/recall-latency.js';
import { benchSegmentRows, encodeBenchSegments, rowOfHit } from '../../dist/bench/segment-fixture.js';
import { firstAtRecall, TARGET_RECALL } from '../../dist/bench/target-ratios.js';
import {
  efFigures,
  pairedTimes,
  searchFigures,
  timeSearches,
  timeSearchesAsync,
} from '../../dist/bench/timed-search.js';
import { rowsOfKeys } from '../../dist/bench/usearch-peer.js';
import { ExactIndex, HnswIndex } from '../../dist/index/index.js';
import { openLibrary } from '../../dist/vsearch.js';
import { BINDING } from '../bench-common.mjs';
import { cycler, headToHead } from './head-to-head.mjs';

const HNSW_SEED = 100;

/**
 * @returns {{ recall: object, build: object, library: { dir: string, graph: string } }}
 */
export async function measureRecallAndBuild({ data, work, k, efs, M, efConstruction, buildEf, usearch, log }) {
  const { vectors, queries, dimension, count, queryCount, exactQueries } = data;
  const queryAt = (q) => queries.subarray(q * dimension, (q + 1) * dimension);
  const rowLabels = Uint32Array.from({ length: count }, (_, i) => i);
  const exactSweepQueries = Math.min(exactQueries, queryCount);

  // Ground truth: vsearch's exact index over every query; its timing is the "vsearch exact" row.
  const exact = new ExactIndex(dimension);
  exact.add(vectors, rowLabels);
  const ground = exactGroundTruth(exact, queries, k);
  const truth = ground.truth;
  const exactRows = [
    { engine: 'vsearch-exact', label: 'vsearch ExactIndex', recall: 1, queries: queryCount, ...ground.figures },
  ];
  log(`  exact ground truth: p50 ${ground.figures.p50Us} us`);

  const plain = timeSearches(
    exactSweepQueries,
    (q) => plainExactScan(vectors, dimension, queryAt(q), k),
    Math.min(3, exactSweepQueries),
  );
  exactRows.push({
    engine: 'plain-js-scan',
    label: 'plain JS exact scan',
    queries: exactSweepQueries,
    ...searchFigures(plain, truth),
  });
  log(`  plain JS scan: p50 ${exactRows.at(-1).p50Us} us`);
  // usearch's native calls ignore a typed array's byteOffset: give it queries of their own.
  const ownQueries = Array.from({ length: queryCount }, (_, q) => queryAt(q).slice());
  if (usearch !== undefined) {
    const timed = timeSearches(
      exactSweepQueries,
      (q) => rowsOfKeys(usearch.exactSearch(vectors, ownQueries[q], dimension, k, 'cos', 1).keys),
      Math.min(3, exactSweepQueries),
    );
    exactRows.push({
      engine: 'usearch-exact',
      label: 'usearch exactSearch (1 thread)',
      queries: exactSweepQueries,
      ...searchFigures(timed, truth),
    });
    log(`  usearch exact: p50 ${exactRows.at(-1).p50Us} us`);
  }

  const rawQueries = Array.from({ length: queryCount }, (_, q) => Array.from(queryAt(q)));
  const sweeps = [];
  const builds = [];

  // The reference: hnswlib-node as a user would call it, one thread, the same M/efConstruction.
  const buildReference = () => {
    const index = new hnswlib.HierarchicalNSW('cosine', dimension);
    index.initIndex(count, M, efConstruction, HNSW_SEED);
    const begin = process.hrtime.bigint();
    for (let row = 0; row < count; row++)
      index.addPoint(Array.from(vectors.subarray(row * dimension, (row + 1) * dimension)), row);
    const secs = seconds(begin);
    log(`  hnswlib-node build (1 thread): ${secs.toFixed(1)} s`);
    return { index, secs };
  };
  let { index: reference, secs: referenceSeconds } = buildReference();
  sweeps.push(
    sweepOf(
      'hnswlib',
      'hnswlib-node (own 1-thread build)',
      efs,
      (ef) => {
        reference.setEf(ef);
        return timeSearches(queryCount, (q) => reference.searchKnn(rawQueries[q], k).neighbors);
      },
      truth,
    ),
  );
  reference = undefined;

  // vsearch: an Arrow file of segments imported through the public library API (the store
  // write, the index build and its save), then searched end to end: vector in, hits out.
  const importFile = join(work, 'import.arrow');
  await writeFile(importFile, encodeBenchSegments(benchSegmentRows(vectors, dimension, data.model), data.model));
  const dir = join(work, 'lib');
  let start = process.hrtime.bigint();
  // vsearch's own index parameters (its defaults may differ from the reference's: better
  // parameters are one way to build faster at equal recall); HNSW even below exactBelow.
  const lib = await openLibrary(dir, { create: true, index: { kind: 'hnsw' } });
  await lib.importSegments(importFile, { model: data.model });
  const vsearchSeconds = seconds(start);
  log(`  vsearch build (openLibrary + importSegments): ${vsearchSeconds.toFixed(1)} s`);
  // A-B-A: the reference again, so drifting load weighs on both sides of the ratio alike.
  const referenceAgain = buildReference().secs;
  const referenceBuild = {
    ...buildFigures(
      'hnswlib',
      'hnswlib-node addPoint loop, 1 thread (mean of 2)',
      count,
      (referenceSeconds + referenceAgain) / 2,
      sweeps[0],
      buildEf,
    ),
    runsSeconds: [round(referenceSeconds, 2), round(referenceAgain, 2)],
  };
  const hitRows = (response) => response.data.map((hit) => rowOfHit(hit.video_id, hit.start));
  const vsearchPoints = [];
  for (const ef of efs) {
    await lib.setSearchEf(ef);
    const timed = await timeSearchesAsync(queryCount, async (q) =>
      hitRows(await lib.search({ vector: queryAt(q), pageLimit: k })),
    );
    vsearchPoints.push(efFigures(ef, timed, truth));
  }
  sweeps.push({ engine: 'vsearch', label: 'vsearch end to end (Library.search)', points: vsearchPoints });
  const own = lib.manifest.index;
  const threads = new HnswIndex({ dimension }).insertThreads;
  builds.push({
    ...buildFigures(
      'vsearch',
      `vsearch openLibrary + importSegments (Arrow file), its defaults M=${own.M} efConstruction=${own.efConstruction}, ${threads} insert thread${threads === 1 ? '' : 's'}`,
      count,
      vsearchSeconds,
      sweeps.at(-1),
      buildEf,
    ),
    M: own.M,
    efConstruction: own.efConstruction,
    threads,
  });
  log(`  vsearch sweep done`);

  // Raw hnswlib-node on the very graph vsearch built and saved, through the same addon: only
  // the wrapper differs.
  const sidecar = JSON.parse(await readFile(join(dir, 'index', 'sidecar.json'), 'utf8'));
  const graph = join(dir, 'index', sidecar.graph);
  const same = new BINDING.hnswlib.HierarchicalNSW('cosine', dimension);
  await same.readIndex(graph);
  const addon = BINDING.build === 'native' ? ', native addon' : '';
  sweeps.push(
    sweepOf(
      'hnswlib-same-graph',
      `hnswlib-node searchKnn on vsearch's graph (number[] ready${addon})`,
      efs,
      (ef) => {
        same.setEf(ef);
        return timeSearches(queryCount, (q) => same.searchKnn(rawQueries[q], k).neighbors);
      },
      truth,
    ),
  );
  sweeps.push(
    sweepOf(
      'hnswlib-convert',
      `hnswlib-node on vsearch's graph, Float32Array -> number[] per query${addon}`,
      efs,
      (ef) => {
        same.setEf(ef);
        return timeSearches(queryCount, (q) => same.searchKnn(Array.from(queryAt(q)), k).neighbors);
      },
      truth,
    ),
  );
  // vsearch's own typed-array method of the native copy (scripts/hnswlib-node-3.0.0.patch), raw: the
  // wrapper's overhead over the very call it makes.
  const typedSearch =
    typeof same.searchKnnFloat32Into === 'function'
      ? (q) => {
          const labels = new Uint32Array(k);
          return labels.subarray(0, same.searchKnnFloat32Into(ownQueries[q], k, new Float32Array(k), labels));
        }
      : undefined;
  if (typedSearch !== undefined) {
    sweeps.push(
      sweepOf(
        'hnswlib-typed-same-graph',
        "searchKnnFloat32Into on vsearch's graph (vsearch's typed-array method, raw)",
        efs,
        (ef) => {
          same.setEf(ef);
          return timeSearches(queryCount, typedSearch);
        },
        truth,
      ),
    );
  }
  if (BINDING.build === 'native') {
    // What the copy compiled for this CPU gains over the addon as npm builds it, on one graph.
    const stockSame = new hnswlib.HierarchicalNSW('cosine', dimension);
    await stockSame.readIndex(graph);
    sweeps.push(
      sweepOf(
        'hnswlib-stock-same-graph',
        "hnswlib-node searchKnn on vsearch's graph (number[] ready, stock addon)",
        efs,
        (ef) => {
          stockSame.setEf(ef);
          return timeSearches(queryCount, (q) => stockSame.searchKnn(rawQueries[q], k).neighbors);
        },
        truth,
      ),
    );
  }

  let usearchView;
  if (usearch !== undefined) {
    const config = {
      dimensions: dimension,
      metric: 'cos',
      quantization: 'f32',
      connectivity: M,
      expansion_add: efConstruction,
      expansion_search: 64,
      multi: false,
    };
    const built = new usearch.Index(config);
    const keys = BigUint64Array.from({ length: count }, (_, i) => BigInt(i));
    start = process.hrtime.bigint();
    built.add(keys, vectors, 1);
    const usearchSeconds = seconds(start);
    log(`  usearch build (1 thread): ${usearchSeconds.toFixed(1)} s`);
    const file = join(work, 'usearch.index');
    built.save(file);
    // expansion_search is fixed at construction: one memory-mapped view of the file per ef.
    usearchView = (ef) => {
      const view = new usearch.Index({ ...config, expansion_search: ef });
      view.view(file);
      return view;
    };
    sweeps.push(
      sweepOf(
        'usearch',
        'usearch HNSW (1 thread, f32)',
        efs,
        (ef) => {
          const view = usearchView(ef);
          return timeSearches(queryCount, (q) => rowsOfKeys(view.search(ownQueries[q], k, 1).keys));
        },
        truth,
      ),
    );
    builds.push(buildFigures('usearch', 'usearch add, 1 thread', count, usearchSeconds, sweeps.at(-1), buildEf));
  }

  // tinybench at the smallest ef where vsearch reaches recall 0.99 (else the largest swept).
  const duelEf = (firstAtRecall(vsearchPoints, TARGET_RECALL) ?? vsearchPoints.at(-1)).ef;
  await lib.setSearchEf(duelEf);
  same.setEf(duelEf);
  const view = usearchView?.(duelEf);
  const vsearchSearch = (q) => lib.search({ vector: queryAt(q), pageLimit: k });
  const paired = [
    pairedOf(
      'vsearch',
      'hnswlib-same-graph',
      duelEf,
      await pairedTimes(queryCount, vsearchSearch, (q) => same.searchKnn(rawQueries[q], k)),
    ),
    pairedOf(
      'plain-js-scan',
      'vsearch',
      duelEf,
      await pairedTimes(exactSweepQueries, (q) => plainExactScan(vectors, dimension, queryAt(q), k), vsearchSearch),
    ),
    ...(typedSearch === undefined
      ? []
      : [
          pairedOf(
            'vsearch',
            'hnswlib-typed-same-graph',
            duelEf,
            await pairedTimes(queryCount, vsearchSearch, typedSearch),
          ),
        ]),
  ];
  log(
    `  interleaved at ef=${duelEf}: ${paired.map((p) => `${p.a}/${p.b} p50 x${p.ratioP50} mean x${p.ratioMean}`).join(', ')}`,
  );
  const next = cycler(queryCount);
  const tasks = [
    {
      engine: 'vsearch',
      name: 'vsearch Library.search({vector})',
      run: async () => lib.search({ vector: queryAt(next()), pageLimit: k }),
    },
    {
      engine: 'hnswlib-same-graph',
      name: "hnswlib-node searchKnn, vsearch's graph, number[] ready",
      run: () => same.searchKnn(rawQueries[next()], k),
    },
    {
      engine: 'hnswlib-convert',
      name: 'hnswlib-node searchKnn + Array.from(Float32Array)',
      run: () => same.searchKnn(Array.from(queryAt(next())), k),
    },
    ...(view === undefined
      ? []
      : [
          {
            engine: 'usearch',
            name: 'usearch Index.search (1 thread)',
            run: () => view.search(ownQueries[next()], k, 1),
          },
        ]),
  ];
  const duel = await headToHead({ ef: duelEf, reference: 'hnswlib-same-graph', tasks });
  await lib.close();
  log(`  tinybench at ef=${duelEf}: ${duel.tasks.map((t) => `${t.engine} x${t.ratio}`).join(', ')}`);

  return {
    recall: { k, queries: queryCount, reference: 'hnswlib', sweeps, exact: exactRows, headToHead: duel, paired },
    build: { count, M, efConstruction, reference: referenceBuild, others: builds },
    library: { dir, graph },
  };
}

function pairedOf(a, b, ef, times) {
  const fa = latencyFigures(times.a);
  const fb = latencyFigures(times.b);
  return {
    a,
    b,
    ef,
    queries: times.a.length,
    aP50Us: fa.p50Us,
    bP50Us: fb.p50Us,
    aMeanUs: fa.meanUs,
    bMeanUs: fb.meanUs,
    ratioP50: round(fa.p50Us / fb.p50Us, 3),
    ratioMean: round(fa.meanUs / fb.meanUs, 3),
  };
}

function sweepOf(engine, label, efs, timedAt, truth) {
  return { engine, label, points: efs.map((ef) => efFigures(ef, timedAt(ef), truth)) };
}

function buildFigures(engine, label, count, secs, sweep, ef) {
  const point = sweep.points.find((p) => p.ef === ef) ?? sweep.points.at(-1);
  // Builds are compared at equal recall: each graph's smallest swept ef reaching the target.
  const atTarget = firstAtRecall(sweep.points, TARGET_RECALL);
  return {
    engine,
    label,
    seconds: round(secs, 2),
    vectorsPerSecond: Math.round(count / secs),
    recall: point.recall,
    ef: point.ef,
    efAtTarget: atTarget?.ef ?? null,
  };
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
