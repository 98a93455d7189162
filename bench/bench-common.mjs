// What the speed benchmarks share: the fixture flags, medians, and the head of each report.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HNSW_PARAMS } from '../dist/index/hnsw-index.js';
import { hnswlibBinding, NATIVE_ADDON_URL } from '../dist/index/hnswlib-binding.js';

/** parseArgs options of the fixture's shape; `extra` adds a script's own. */
export function fixtureOptions(extra = {}) {
  return {
    count: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '1024' },
    efc: { type: 'string', default: String(DEFAULT_HNSW_PARAMS.efConstruction) },
    ...extra,
  };
}

export { median } from '../dist/bench/percentiles.js';

export function log(message) {
  process.stderr.write(`${message}\n`);
}

/** The fields every report starts with. */
export function reportHead({ dir, count, dimension }) {
  return { date: new Date().toISOString(), node: process.version, library: dir, count, dimension };
}

/** The fixture library of the flags (built on first use), its saved graph file and its manifest. */
export async function openFixture(args, ensureFixture) {
  const count = Number(args.count);
  const dim = Number(args.dim);
  const dir = await ensureFixture({ count, dim, efConstruction: Number(args.efc), log });
  const sidecar = JSON.parse(await readFile(join(dir, 'index', 'sidecar.json'), 'utf8'));
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  return { count, dim, dir, sidecar, manifest, graph: join(dir, 'index', sidecar.graph) };
}

/** The hnswlib-node addon vsearch loads on this machine (the copy compiled for this CPU, or the stock build). */
export const BINDING = hnswlibBinding();

/** hnswlib-node's stock entry file. */
export const STOCK_HNSWLIB_ENTRY = fileURLToPath(new URL('../node_modules/hnswlib-node/lib/index.js', import.meta.url));

/**
 * What bare reference scripts load: the same addon vsearch runs with, so an open-time or
 * search-overhead ratio compares the wrapper alone, not two compilations of hnswlib.
 */
export const HNSWLIB_ENTRY = BINDING.build === 'native' ? fileURLToPath(NATIVE_ADDON_URL) : STOCK_HNSWLIB_ENTRY;
