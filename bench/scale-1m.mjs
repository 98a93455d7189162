// One end-to-end run at full size (issue 16 part 4, issue 11's 1M x 512 rows): a cross-modal set
// (bench/xmodal.mjs's generator, seed 1) written as the JSONL a user imports, then
//   generate      the JSONL, the text-like and clip-like queries and their exact top 10;
//   import-build  `vsearch build --from FILE.jsonl` as a user runs it, the import and the graph
//                 build timed apart (the import ends when manifest.json names every row, the
//                 build when index/sidecar.json appears), the child's peak RSS (VmHWM) sampled;
//   open-rss      RSS of a process that opens the library and answers one query, against the
//                 vectors and graph `vsearch stats` reports;
//   cold-query    a fresh `vsearch query --vector` process against a bare hnswlib readIndex +
//                 searchKnn of the same graph file (bench/probes/bare-hnsw-query.mjs), interleaved;
//   stats         `vsearch stats` wall time;
//   recall        recall@10 and p50 per query kind at the library's default ef through lib.search
//                 (text queries through the query cache, so they search as text), then an ef sweep
//                 of vsearch's HnswIndex and stock hnswlib-node reading the same graph file,
//                 interleaved query by query;
//   writes        one-video import, `vsearch meta` and `vsearch rm` of that video, a few rounds.
// Resumable: DIR/steps.json records each finished step with its figures and the machine's load,
// and a rerun skips those (--redo STEP forgets one). Results go to OUT/scale-<size>-<dim>.json + .md.
//   npm run build && node bench/scale-1m.mjs --dir /work/scratch-scale/xmodal-1m-512
//   node bench/scale-1m.mjs --set xmodal-50k-512 --dir /tmp/scale-50k --out /tmp/scale-50k
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import hnswlib from 'hnswlib-node';
import { fitMarengo } from '../dist/bench/fit-marengo.js';
import { marengoSpace } from '../dist/bench/marengo-space.js';
import { round } from '../dist/bench/percentiles.js';
import { latencyFigures, meanRecall } from '../dist/bench/recall-latency.js';
import { timeSearchesAsync } from '../dist/bench/timed-search.js';
import { generateXmodalSet } from '../dist/bench/xmodal-generator.js';
import { parseXmodalSet } from '../dist/bench/xmodal-set.js';
import { ExactIndex, HnswIndex } from '../dist/index/index.js';
import { defaultSearchEf, searchEf } from '../dist/store/search-ef.js';
import { openLibrary } from '../dist/vsearch.js';
import { BINDING, HNSWLIB_ENTRY, log, median } from './bench-common.mjs';
import { SHARED_DATA } from './suite/set-data.mjs';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    set: { type: 'string', default: 'xmodal-1m-512' },
    dir: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, 'results') },
    runs: { type: 'string', default: '7' },
    'text-ef': { type: 'string', default: '1024,2048,4096,8192' },
    'clip-ef': { type: 'string', default: '64,128,256' },
    rounds: { type: 'string', default: '3' },
    redo: { type: 'string', multiple: true, default: [] },
  },
});
const spec = parseXmodalSet(args.set);
const { count: COUNT, dimension: DIM, queries: QUERIES } = spec;
const DIR = args.dir ?? join('/tmp', `vsearch-scale-${spec.name}`);
const LIB = join(DIR, 'lib');
const JSONL = join(DIR, 'segments.jsonl');
const RUNS = Number(args.runs);
const K = 10;
const SEED = 1;
const CLIP_SEC = 6;
// The Marengo model of the set's dimension: 3.0 is 512-d, 2.7 (the fit's own space) 1024-d.
const MODEL = DIM === 1024 ? 'Marengo-retrieval-2.7' : 'marengo3.0';
const KINDS = ['text', 'clip'];
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const BARE = fileURLToPath(new URL('./probes/bare-hnsw-query.mjs', import.meta.url));
const OPEN_PROBE = fileURLToPath(new URL('./probes/library-query-memory.mjs', import.meta.url));
const STEPS_FILE = join(DIR, 'steps.json');
const RESULT_NAME = spec.name.replace(/^xmodal-/, 'scale-');
const MIB = 1024 ** 2;

const cli = (...argv) => [CLI, ...argv, '--lib', LIB];

/** Per-query files the steps after `generate` read. */
const files = {
  queries: (kind) => join(DIR, `${kind}-queries.f32`),
  queryJson: join(DIR, 'clip-query-0.json'),
  truth: join(DIR, 'truth.json'),
  videoStarts: join(DIR, 'video-starts.u32'),
  extra: (i) => join(DIR, `extra-video-${i}.jsonl`),
};
const extraVideo = (i) => `scale-extra-${i}`;

async function generate() {
  let begin = Date.now();
  const { model } = fitMarengo(SHARED_DATA);
  const space = marengoSpace(model, DIM);
  const set = generateXmodalSet(space, { count: COUNT, seed: SEED, textQueries: QUERIES, clipQueries: QUERIES });
  const generateSeconds = (Date.now() - begin) / 1000;
  log(`  fitted and generated ${COUNT} x ${DIM} (${set.videos} videos) in ${generateSeconds.toFixed(0)} s`);

  begin = Date.now();
  const videoStarts = new Uint32Array(set.videos + 1);
  const jsonlBytes = await writeJsonl(JSONL, set.vectors, set.videoOf, (v) => `v${v}`, videoStarts);
  const writeSeconds = (Date.now() - begin) / 1000;
  log(`  wrote ${(jsonlBytes / 1024 ** 3).toFixed(2)} GiB of JSONL in ${writeSeconds.toFixed(0)} s`);

  // The exact top 10 of what the library holds: the vectors as written (6 decimals), renormalized.
  begin = Date.now();
  const exact = new ExactIndex(DIM);
  exact.add(
    set.vectors,
    Uint32Array.from({ length: COUNT }, (_, i) => i),
  );
  const truth = { k: K };
  for (const kind of KINDS) {
    const queries = kind === 'text' ? set.textQueries : set.clipQueries;
    truth[kind] = Array.from({ length: QUERIES }, (_, q) =>
      Array.from(exact.search(queries.subarray(q * DIM, (q + 1) * DIM), K).labels),
    );
    await writeFile(files.queries(kind), new Uint8Array(queries.buffer, queries.byteOffset, queries.byteLength));
  }
  const truthSeconds = (Date.now() - begin) / 1000;
  log(`  exact top ${K} of ${2 * QUERIES} queries in ${truthSeconds.toFixed(0)} s`);
  await writeFile(files.truth, JSON.stringify(truth));
  await writeFile(files.videoStarts, new Uint8Array(videoStarts.buffer));
  await writeFile(files.queryJson, JSON.stringify(Array.from(set.clipQueries.subarray(0, DIM))));

  // Videos the writes step imports one at a time: fresh draws of the same space, 10 clips each.
  for (let i = 0; i < Number(args.rounds); i++) {
    const extra = generateXmodalSet(space, {
      count: 10,
      seed: SEED + 1 + i,
      textQueries: 0,
      clipQueries: 0,
      clipsPerVideo: [10, 10],
    });
    await writeJsonl(files.extra(i), extra.vectors, extra.videoOf, () => extraVideo(i), new Uint32Array(2));
  }
  return {
    videos: set.videos,
    jsonlBytes,
    vectorBytes: COUNT * DIM * 4,
    generateSeconds,
    writeSeconds,
    truthSeconds,
    seed: SEED,
  };
}

/**
 * Writes the rows as `build --from` JSONL (6 s clips, values to 6 decimals), puts the values as
 * written (renormalized) back into `vectors`, and each video's first row into `videoStarts`.
 */
async function writeJsonl(path, vectors, videoOf, videoId, videoStarts) {
  const out = createWriteStream(`${path}.tmp`);
  const rows = videoOf.length;
  const values = new Array(DIM);
  let chunk = [];
  let clip = 0;
  for (let row = 0; row < rows; row++) {
    const video = videoOf[row];
    if (row === 0 || video !== videoOf[row - 1]) {
      clip = 0;
      videoStarts[video] = row;
    } else clip++;
    const offset = row * DIM;
    let norm = 0;
    for (let x = 0; x < DIM; x++) {
      const text = vectors[offset + x].toFixed(6);
      values[x] = text;
      const written = Number(text);
      vectors[offset + x] = written;
      norm += written * written;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let x = 0; x < DIM; x++) vectors[offset + x] *= scale;
    const start = clip * CLIP_SEC;
    chunk.push(
      `{"video_id":"${videoId(video)}","start_sec":${start},"end_sec":${start + CLIP_SEC},"embedding":[${values.join(',')}]}\n`,
    );
    if (chunk.length === 500 || row === rows - 1) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk = [];
    }
  }
  videoStarts[videoStarts.length - 1] = rows;
  out.end();
  await once(out, 'finish');
  await rename(`${path}.tmp`, path);
  return (await stat(path)).size;
}

async function importBuild() {
  await rm(LIB, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, cli('build', '--from', JSONL, '--model', MODEL, '--json'), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (data) => (output.stdout += data));
  child.stderr.on('data', (data) => (output.stderr += data));
  const exited = once(child, 'exit');
  let importSeconds;
  let importPeak;
  let buildSeconds;
  let peak = 0;
  let loadMax = 0;
  let finished = false;
  exited.then(() => (finished = true));
  while (!finished) {
    const memory = processMemory(child.pid);
    // A process that has exited but is not yet reaped has a status without VmHWM.
    if (memory !== undefined && Number.isFinite(memory.hwm)) peak = Math.max(peak, memory.hwm);
    loadMax = Math.max(loadMax, loadavg()[0]);
    const elapsed = secondsSince(started);
    if (importSeconds === undefined && manifestRows() === COUNT) {
      importSeconds = elapsed;
      importPeak = peak;
      log(`  import committed at ${elapsed.toFixed(0)} s, peak RSS so far ${(peak / MIB).toFixed(0)} MiB`);
    }
    if (buildSeconds === undefined && existsSync(join(LIB, 'index', 'sidecar.json'))) {
      buildSeconds = elapsed;
      log(`  index sidecar written at ${elapsed.toFixed(0)} s`);
    }
    await Promise.race([exited, sleep(200)]);
  }
  const [code] = await exited;
  const totalSeconds = secondsSince(started);
  if (code !== 0) throw new Error(`vsearch build exited ${code}: ${output.stderr.slice(-2000)}`);
  const vectorBytes = COUNT * DIM * 4;
  return {
    command: `node dist/cli/main.js build --from ${JSONL} --model ${MODEL} --json --lib ${LIB}`,
    importSeconds: round(importSeconds, 1),
    graphSeconds: buildSeconds === undefined ? null : round(buildSeconds - importSeconds, 1),
    untilSidecarSeconds: buildSeconds === undefined ? null : round(buildSeconds, 1),
    totalSeconds: round(totalSeconds, 1),
    importPeakRssBytes: importPeak,
    importPeakOverVectors: round(importPeak / vectorBytes, 3),
    peakRssBytes: peak,
    peakOverVectors: round(peak / vectorBytes, 3),
    sampledEveryMs: 200,
    load1Max: round(loadMax, 2),
    summary: JSON.parse(output.stdout),
    stderr: output.stderr.trim().split('\n').filter(Boolean).slice(-5),
  };
}

/** Rows manifest.json's segment files hold, or 0 before the first commit. */
function manifestRows() {
  try {
    const manifest = JSON.parse(readFileSync(join(LIB, 'manifest.json'), 'utf8'));
    return manifest.segmentFiles.reduce((sum, file) => sum + file.rows, 0);
  } catch {
    return 0;
  }
}

function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return undefined;
  }
}

async function statsJson() {
  const { stdout } = await run(process.execPath, [...cli('stats', '--json')]);
  return JSON.parse(stdout);
}

async function openRss() {
  const { memory } = await statsJson();
  const expected = memory.vectors_bytes + memory.graph_bytes;
  const rss = [];
  for (let i = 0; i < 3; i++) {
    const { stdout } = await run(process.execPath, [OPEN_PROBE, LIB, files.queryJson, String(K)]);
    rss.push(JSON.parse(stdout).memory.rss);
  }
  return {
    command: `node bench/probes/library-query-memory.mjs ${LIB} ${files.queryJson} ${K}`,
    rssBytes: rss,
    rssMedianBytes: median(rss),
    vectorsBytes: memory.vectors_bytes,
    graphBytes: memory.graph_bytes,
    overVectorsPlusGraph: round(median(rss) / expected, 3),
    target: 1.3,
  };
}

async function libraryFacts() {
  const manifest = JSON.parse(await readFile(join(LIB, 'manifest.json'), 'utf8'));
  const sidecar = JSON.parse(await readFile(join(LIB, 'index', 'sidecar.json'), 'utf8'));
  return { index: manifest.index, graph: join(LIB, 'index', sidecar.graph), sidecar };
}

async function timedRun(argv) {
  const started = process.hrtime.bigint();
  const { stdout } = await run(process.execPath, argv, { maxBuffer: 64 << 20 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout };
}

async function coldQuery() {
  const { index, graph } = await libraryFacts();
  const ef = searchEf(index, COUNT, 'video');
  const bareArgs = [BARE, graph, String(DIM), files.queryJson, String(ef), String(K), HNSWLIB_ENTRY];
  const cliArgs = cli('query', '--vector', files.queryJson, '--json', '--offline');
  // One untimed run of each: the page cache then holds the files for both alike.
  const bareFirst = await timedRun(bareArgs);
  const cliFirst = await timedRun(cliArgs);
  const bare = [];
  const vsearch = [];
  for (let i = 0; i < RUNS; i++) {
    for (const which of i % 2 === 0 ? ['bare', 'cli'] : ['cli', 'bare']) {
      if (which === 'bare') bare.push((await timedRun(bareArgs)).ms);
      else vsearch.push((await timedRun(cliArgs)).ms);
    }
    log(`  run ${i + 1}: bare ${bare.at(-1).toFixed(0)} ms, cli ${vsearch.at(-1).toFixed(0)} ms`);
  }
  const bareNeighbours = JSON.parse(bareFirst.stdout).neighbors.length;
  return {
    commands: {
      cli: `node dist/cli/main.js query --vector ${files.queryJson} --json --offline --lib ${LIB}`,
      bare: `node bench/probes/bare-hnsw-query.mjs ${graph} ${DIM} ${files.queryJson} ${ef} ${K} ${HNSWLIB_ENTRY}`,
    },
    ef,
    hnswlib: BINDING.build,
    hits: { cli: JSON.parse(cliFirst.stdout).data.length, bare: bareNeighbours },
    firstRunMs: { bare: round(bareFirst.ms, 0), cli: round(cliFirst.ms, 0) },
    bareMs: { median: round(median(bare), 1), all: bare.map((t) => round(t, 0)) },
    cliMs: { median: round(median(vsearch), 1), all: vsearch.map((t) => round(t, 0)) },
    ratio: round(median(vsearch) / median(bare), 3),
    target: 2,
  };
}

async function statsTime() {
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push((await timedRun(cli('stats'))).ms);
  const stats = await statsJson();
  return {
    command: `node dist/cli/main.js stats --lib ${LIB}`,
    ms: { median: round(median(times), 1), all: times.map((t) => round(t, 0)) },
    target: 500,
    stats: { videos: stats.videos, segments: stats.segments, bytes: stats.bytes, memory: stats.memory },
  };
}

async function loadQueries() {
  const truth = JSON.parse(await readFile(files.truth, 'utf8'));
  const queries = {};
  for (const kind of KINDS) {
    const bytes = await readFile(files.queries(kind));
    queries[kind] = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  const starts = await readFile(files.videoStarts);
  const videoStarts = new Uint32Array(starts.buffer, starts.byteOffset, starts.byteLength / 4);
  const toTruth = (lists) => lists.map((list) => Uint32Array.from(list));
  return {
    query: (kind, q) => queries[kind].subarray(q * DIM, (q + 1) * DIM),
    truth: { text: toTruth(truth.text), clip: toTruth(truth.clip) },
    /** The row (= label: the import numbers rows in file order) of a search hit. */
    rowOf: (hit) => videoStarts[Number(hit.video_id.slice(1))] + Math.round(hit.start / CLIP_SEC),
  };
}

async function recall() {
  const { query, truth, rowOf } = await loadQueries();
  const { index, graph } = await libraryFacts();

  // The default a user gets: lib.search, text queries through the query cache so they search as text.
  const defaults = {};
  const lib = await openLibrary(LIB);
  try {
    for (let q = 0; q < QUERIES; q++)
      await lib.cacheQuery({ modality: 'text', text: `scale text query ${q}` }, query('text', q));
    for (const [kind, modality] of [
      ['text', 'text'],
      ['clip', 'video'],
    ]) {
      const search = async (q) => {
        const request =
          kind === 'text' ? { text: `scale text query ${q}`, offline: true } : { vector: query('clip', q) };
        const response = await lib.search({ ...request, pageLimit: K });
        return response.data.map(rowOf);
      };
      const { found, micros } = await timeSearchesAsync(QUERIES, search, Math.min(20, QUERIES));
      defaults[kind] = {
        modality,
        ef: searchEf(index, COUNT, modality),
        formula: defaultSearchEf(COUNT, modality),
        recall: round(meanRecall(found, truth[kind]), 4),
        ...latencyFigures(micros),
      };
      log(
        `  lib.search ${kind}: ef ${defaults[kind].ef} recall ${defaults[kind].recall} p50 ${defaults[kind].p50Us} us`,
      );
    }
  } finally {
    await lib.close();
  }

  // The sweep: vsearch's HnswIndex and stock hnswlib-node, both reading the library's graph file.
  const vsearch = await HnswIndex.read(graph, {
    dimension: DIM,
    M: index.M,
    efConstruction: index.efConstruction,
    deleted: [],
  });
  const stock = new hnswlib.HierarchicalNSW('cosine', DIM);
  await stock.readIndex(graph);
  const raw = Object.fromEntries(
    KINDS.map((kind) => [kind, Array.from({ length: QUERIES }, (_, q) => Array.from(query(kind, q)))]),
  );
  const engines = {
    vsearch: (ef) => (kind, q) => vsearch.search(query(kind, q), K, { ef }).labels,
    'hnswlib-node': (ef) => (kind, q) => {
      stock.setEf(ef);
      return stock.searchKnn(raw[kind][q], K).neighbors;
    },
  };
  const efLists = {
    text: sortedUnique([...args['text-ef'].split(',').map(Number), defaults.text.ef]),
    clip: sortedUnique([...args['clip-ef'].split(',').map(Number), defaults.clip.ef]),
  };
  const cells = [];
  for (const kind of KINDS) {
    for (const ef of efLists[kind]) {
      const runs = Object.entries(engines).map(([engine, at]) => ({ engine, search: at(ef) }));
      const measured = interleaved(runs, kind, truth[kind]);
      for (const [i, { engine }] of runs.entries()) cells.push({ engine, kind, ef, ...measured[i] });
      log(
        `  ${kind} ef ${ef}: ${runs.map(({ engine }, i) => `${engine} ${measured[i].recall} ${measured[i].p50Us} us`).join(', ')}`,
      );
    }
  }
  const atRecall = [];
  for (const target of [0.95, 0.99]) {
    for (const kind of KINDS) {
      for (const engine of Object.keys(engines)) {
        const cell = cells.find((c) => c.engine === engine && c.kind === kind && c.recall >= target);
        atRecall.push({
          target,
          kind,
          engine,
          ...(cell === undefined
            ? { reached: false }
            : { reached: true, ef: cell.ef, recall: cell.recall, p50Us: cell.p50Us }),
        });
      }
    }
  }
  return {
    queries: QUERIES,
    k: K,
    graph: { M: index.M, efConstruction: index.efConstruction, bytes: (await stat(graph)).size },
    hnswlib: { vsearch: BINDING.build, stock: 'hnswlib-node package build' },
    defaults,
    cells,
    atRecall,
  };
}

/** Each engine on each query in turn, the order alternating per query, after 20 untimed queries each. */
function interleaved(runs, kind, truth) {
  const warm = Math.min(20, QUERIES);
  for (const { search } of runs) for (let q = 0; q < warm; q++) search(kind, q);
  const micros = runs.map(() => new Float64Array(QUERIES));
  const found = runs.map(() => []);
  for (let q = 0; q < QUERIES; q++) {
    for (let j = 0; j < runs.length; j++) {
      const r = q % 2 === 0 ? j : runs.length - 1 - j;
      const start = process.hrtime.bigint();
      const labels = runs[r].search(kind, q);
      micros[r][q] = Number(process.hrtime.bigint() - start) / 1e3;
      found[r].push(Uint32Array.from(labels));
    }
  }
  return runs.map((_, r) => ({ recall: round(meanRecall(found[r], truth), 4), ...latencyFigures(micros[r]) }));
}

async function writes() {
  const rounds = [];
  for (let i = 0; i < Number(args.rounds); i++) {
    const video = extraVideo(i);
    const add = await timedRun(cli('build', '--from', files.extra(i), '--model', MODEL, '--json'));
    const meta = await timedRun(cli('meta', video, '--set', JSON.stringify({ rating: i + 1 }), '--json'));
    const remove = await timedRun(cli('rm', video, '--json'));
    rounds.push({ video, importMs: round(add.ms, 0), metaMs: round(meta.ms, 0), rmMs: round(remove.ms, 0) });
    log(`  ${video}: import ${add.ms.toFixed(0)} ms, meta ${meta.ms.toFixed(0)} ms, rm ${remove.ms.toFixed(0)} ms`);
  }
  const med = (key) => round(median(rounds.map((r) => r[key])), 0);
  return {
    commands: {
      import: `node dist/cli/main.js build --from ${files.extra(0)} --model ${MODEL} --json --lib ${LIB}`,
      meta: `node dist/cli/main.js meta ${extraVideo(0)} --set '{"rating":1}' --json --lib ${LIB}`,
      rm: `node dist/cli/main.js rm ${extraVideo(0)} --json --lib ${LIB}`,
    },
    rounds,
    medianMs: { import: med('importMs'), meta: med('metaMs'), rm: med('rmMs') },
    targetMs: 5000,
  };
}

const STEPS = [
  ['generate', generate],
  ['import-build', importBuild],
  ['open-rss', openRss],
  ['cold-query', coldQuery],
  ['stats', statsTime],
  ['recall', recall],
  ['writes', writes],
];

/** Load averages and the processes busy beside this run (one second of `top`), for the record. */
async function machineLoad() {
  const [one, five, fifteen] = loadavg().map((x) => round(x, 2));
  let busy = [];
  try {
    const { stdout } = await run('top', ['-b', '-n', '2', '-d', '1', '-w', '200']);
    const last = stdout.slice(stdout.lastIndexOf('top - '));
    busy = last
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length >= 12 && /^\d+$/.test(f[0]) && Number(f[8]) >= 20)
      .map((f) => ({ nice: Number(f[3]), cpu: Number(f[8]), command: f.slice(11).join(' ') }));
  } catch {
    busy = [{ command: 'top unavailable' }];
  }
  return { loadavg: [one, five, fifteen], busy };
}

async function readSteps() {
  if (!existsSync(STEPS_FILE)) return { set: spec.name, count: COUNT, dimension: DIM, steps: {} };
  const record = JSON.parse(await readFile(STEPS_FILE, 'utf8'));
  if (record.set !== spec.name) throw new Error(`${STEPS_FILE} records set ${record.set}, not ${spec.name}`);
  return record;
}

async function writeAtomic(path, text) {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

await mkdir(DIR, { recursive: true });
const record = await readSteps();
for (const name of args.redo) delete record.steps[name];
record.environment = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  memoryBytes: totalmem(),
  hnswlib: { build: BINDING.build, detail: BINDING.detail },
};
for (const [name, step] of STEPS) {
  if (record.steps[name] !== undefined) {
    log(`${name}: done before (${STEPS_FILE}), skipped`);
    continue;
  }
  log(`${name}: ...`);
  const before = await machineLoad();
  const started = Date.now();
  const figures = await step();
  const after = await machineLoad();
  record.steps[name] = {
    finishedAt: new Date().toISOString(),
    seconds: round((Date.now() - started) / 1000, 1),
    load: { before, after },
    ...figures,
  };
  await writeAtomic(STEPS_FILE, `${JSON.stringify(record, null, 2)}\n`);
  log(`${name}: done in ${record.steps[name].seconds} s, load ${after.loadavg.join(' ')}`);
}
await mkdir(args.out, { recursive: true });
const result = { ...record, command: `node bench/scale-1m.mjs ${process.argv.slice(2).join(' ')}` };
await writeAtomic(join(args.out, `${RESULT_NAME}.json`), `${JSON.stringify(result, null, 2)}\n`);
await writeAtomic(join(args.out, `${RESULT_NAME}.md`), markdown(result));
log(`results: ${join(args.out, `${RESULT_NAME}.md`)} and .json`);

function markdown(result) {
  const s = result.steps;
  const mib = (bytes) => `${(bytes / MIB).toFixed(0)} MiB`;
  const ms = (us) => `${(us / 1000).toFixed(2)} ms`;
  const met = (ok) => (ok ? 'met' : 'missed');
  const vectorBytes = COUNT * DIM * 4;
  const build = s['import-build'];
  const targets = [
    [
      'import + graph build (`vsearch build --from FILE.jsonl`)',
      `${build.totalSeconds} s (import ${build.importSeconds} s, graph build and save ${build.graphSeconds} s)`,
      '<= 600 s',
      met(build.totalSeconds <= 600),
    ],
    [
      'peak RSS while importing (VmHWM when manifest.json named every row)',
      `${mib(build.importPeakRssBytes)} = ${build.importPeakOverVectors}x the ${mib(vectorBytes)} of vectors`,
      '< 1.5x vectors',
      met(build.importPeakOverVectors < 1.5),
    ],
    [
      'peak RSS of the whole build (import and graph)',
      `${mib(build.peakRssBytes)} = ${build.peakOverVectors}x vectors`,
      '',
      '',
    ],
    [
      'RSS after open and one query',
      `${mib(s['open-rss'].rssMedianBytes)} = ${s['open-rss'].overVectorsPlusGraph}x (vectors ${mib(s['open-rss'].vectorsBytes)} + graph ${mib(s['open-rss'].graphBytes)}, as \`vsearch stats\` reports them)`,
      '<= 1.3x',
      met(s['open-rss'].overVectorsPlusGraph <= 1.3),
    ],
    [
      'cold `vsearch query --vector` / bare readIndex + searchKnn',
      `${s['cold-query'].cliMs.median} ms / ${s['cold-query'].bareMs.median} ms = ${s['cold-query'].ratio}x (medians of ${RUNS} runs each, interleaved)`,
      '<= 2x',
      met(s['cold-query'].ratio <= 2),
    ],
    [
      '`vsearch stats` wall time',
      `${s.stats.ms.median} ms (median of ${RUNS})`,
      '<= 500 ms',
      met(s.stats.ms.median <= 500),
    ],
    ...['import', 'meta', 'rm'].map((key) => [
      {
        import: 'one-video import (`build --from` 10 rows)',
        meta: 'metadata update (`vsearch meta`)',
        rm: '`vsearch rm` of one video',
      }[key],
      `${s.writes.medianMs[key]} ms (median of ${s.writes.rounds.length}: ${s.writes.rounds.map((r) => r[`${key}Ms`]).join(', ')})`,
      '<= 5000 ms',
      met(s.writes.medianMs[key] <= 5000),
    ]),
  ];
  const r = s.recall;
  const defaults = KINDS.map((kind) => {
    const d = r.defaults[kind];
    return [`${kind}-like (searched as ${d.modality})`, String(d.ef), String(d.recall), ms(d.p50Us), ms(d.p99Us)];
  });
  const sweep = [];
  for (const kind of KINDS) {
    for (const ef of sortedUnique(r.cells.filter((c) => c.kind === kind).map((c) => c.ef))) {
      const cell = (engine) => r.cells.find((c) => c.kind === kind && c.ef === ef && c.engine === engine);
      const v = cell('vsearch');
      const h = cell('hnswlib-node');
      sweep.push([
        kind,
        String(ef),
        String(v.recall),
        ms(v.p50Us),
        String(h.recall),
        ms(h.p50Us),
        (v.p50Us / h.p50Us).toFixed(2),
      ]);
    }
  }
  const at = r.atRecall.map((a) => [
    String(a.target),
    a.kind,
    a.engine,
    a.reached ? `ef ${a.ef}: recall ${a.recall}, p50 ${ms(a.p50Us)}` : 'not reached in the sweep',
  ]);
  const loads = STEPS.map(([name]) => {
    const step = s[name];
    const busy = [...step.load.before.busy, ...step.load.after.busy].map(
      (b) => `${b.command} (nice ${b.nice}, ${b.cpu}%)`,
    );
    return [
      name,
      String(step.seconds),
      step.load.before.loadavg.join(' '),
      step.load.after.loadavg.join(' '),
      busy.length === 0 ? 'none over 20% CPU' : [...new Set(busy)].join('; '),
    ];
  });
  const g = s.generate;
  return `${[
    `# ${spec.name}: one end-to-end run at ${COUNT} x ${DIM}`,
    '',
    `${COUNT} clip vectors of ${g.videos} videos (6 s clips) from the cross-modal generator fitted on the real Marengo 2.7 vectors (seed ${g.seed}, the 1024-d fit carried into ${DIM}-d), written as a ${(g.jsonlBytes / 1024 ** 3).toFixed(2)} GiB JSONL import file (values to 6 decimals; the exact top ${K} is computed on the vectors as written). ${QUERIES} text-like queries (across the modality gap) and ${QUERIES} clip-like queries (fresh clips of library videos). Machine: ${result.environment.cpus} x ${result.environment.cpu}, ${(result.environment.memoryBytes / 1024 ** 3).toFixed(0)} GiB, Node ${result.environment.node}, vsearch's hnswlib-node build: ${result.environment.hnswlib.build}. The machine may be shared: the load table below gives what ran beside each step. One run; every figure is from this run.`,
    '',
    `Reproduce: \`npm run build && ${result.command}\` (resumable: DIR/steps.json records each finished step).`,
    '',
    '## Targets (issue 16 part 4)',
    '',
    table(['figure', 'measured', 'target', ''], targets),
    '',
    "## Recall@10 at the library's default ef (issue 11 part 3)",
    '',
    'Through `lib.search` of the built library, no calibration: text-like queries put in the query cache as text queries and searched by their text (`offline`), so they search with the text ef; clip-like queries as vectors (searched as video).',
    '',
    table(['queries', 'ef', 'recall@10', 'p50', 'p99'], defaults),
    '',
    "## ef sweep on the library's graph file (issue 11 part 1)",
    '',
    `vsearch's HnswIndex (hnswlib-node build: ${result.environment.hnswlib.build}) and stock hnswlib-node, each reading the graph file the build wrote (M ${r.graph.M}, efConstruction ${r.graph.efConstruction}, ${mib(r.graph.bytes)}), searched one query at a time, the two engines interleaved query by query.`,
    '',
    table(['kind', 'ef', 'vsearch recall', 'vsearch p50', 'stock recall', 'stock p50', 'vsearch / stock p50'], sweep),
    '',
    'The smallest swept ef reaching each recall:',
    '',
    table(['recall', 'kind', 'engine', 'at'], at),
    '',
    '## Steps and the load on the machine',
    '',
    'Load average (1, 5, 15 min) before and after each step, and the processes above 20% CPU in one second of `top` at those moments.',
    '',
    table(['step', 'seconds', 'load before', 'load after', 'busy beside it'], loads),
    '',
    `Generate: ${g.generateSeconds.toFixed(0)} s to fit and generate, ${g.writeSeconds.toFixed(0)} s to write the JSONL, ${g.truthSeconds.toFixed(0)} s for the exact top ${K} (JavaScript scan). The build's peak RSS is sampled every ${build.sampledEveryMs} ms from /proc/PID/status.`,
    '',
    '## Commands',
    '',
    ...[
      ['import + build', build.command],
      ['RSS after open', s['open-rss'].command],
      ['cold query', s['cold-query'].commands.cli],
      ['bare reference', s['cold-query'].commands.bare],
      ['stats', s.stats.command],
      ['one-video import', s.writes.commands.import],
      ['meta', s.writes.commands.meta],
      ['rm', s.writes.commands.rm],
    ].map(([what, command]) => `- ${what}: \`${command}\``),
  ].join('\n')}\n`;
}

function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function sortedUnique(values) {
  return [...new Set(values)].sort((a, b) => a - b);
}

function secondsSince(begin) {
  return Number(process.hrtime.bigint() - begin) / 1e9;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
