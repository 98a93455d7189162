// Library open time and resident size, each in fresh child processes: the CLI's real path
// (`vsearch query --vector FILE --lib DIR --json`) against a bare script that only reads
// the same HNSW file with hnswlib-node and searches it once.
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { round } from '../../dist/bench/percentiles.js';
import { HNSWLIB_ENTRY } from '../bench-common.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const BARE = join(ROOT, 'bench', 'probes', 'bare-hnsw-query.mjs');
const LIBRARY_MEMORY = join(ROOT, 'bench', 'probes', 'library-query-memory.mjs');
/** No API key: a vector query needs none, and the CLI must not reach for the network. */
const CHILD_ENV = { ...process.env, TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '', VSEARCH_LIB: '' };

export async function writeQueryFile(work, query) {
  const file = join(work, 'query-vector.json');
  await writeFile(file, JSON.stringify(Array.from(query)));
  return file;
}

/** Alternates CLI and bare runs (after one untimed run of each, so both see a warm page cache). */
export async function measureOpen({ library, dimension, queryFile, ef, k, runs }) {
  const cliArgs = [CLI, 'query', '--vector', queryFile, '--lib', library.dir, '--json'];
  const bareArgs = [BARE, library.graph, String(dimension), queryFile, String(ef), String(k), HNSWLIB_ENTRY];
  await timedRun(cliArgs);
  await timedRun(bareArgs);
  const cli = [];
  const bare = [];
  for (let run = 0; run < runs; run++) {
    cli.push((await timedRun(cliArgs)).ms);
    bare.push((await timedRun(bareArgs)).ms);
  }
  const cliTimes = spawnTimes(cli);
  const bareTimes = spawnTimes(bare);
  return { cli: cliTimes, bare: bareTimes, ratio: round(cliTimes.medianMs / bareTimes.medianMs, 3) };
}

export async function measureMemory({ library, dimension, count, queryFile, ef, k }) {
  const graphBytes = (await stat(library.graph)).size;
  const vectorBytes = count * dimension * 4;
  const own = JSON.parse((await timedRun([LIBRARY_MEMORY, library.dir, queryFile, String(k)])).stdout).memory;
  const bare = JSON.parse(
    (await timedRun([BARE, library.graph, String(dimension), queryFile, String(ef), String(k), HNSWLIB_ENTRY])).stdout,
  ).memory;
  return {
    vectorBytes,
    graphBytes,
    library: own,
    bare,
    ratio: round(own.rss / (vectorBytes + graphBytes), 3),
    graphFileRatio: round(own.rss / graphBytes, 3),
    bareRatio: round(own.rss / bare.rss, 3),
  };
}

function timedRun(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.slice(0, 2).join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve({ ms, stdout });
    });
  });
}

function spawnTimes(runsMs) {
  const sorted = [...runsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runsMs: runsMs.map((ms) => round(ms, 1)), medianMs: round(medianMs, 1) };
}
