import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The part of usearch's JavaScript API the benchmarks use (usearch 2.25). */
interface UsearchMatches {
  keys: BigUint64Array;
  distances: Float32Array;
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(query: Float32Array, k: number, threads: number): UsearchMatches;
  save(path: string): void;
  view(path: string): void;
  size(): number;
}

interface UsearchIndexConfig {
  dimensions: number;
  metric: 'cos';
  quantization: 'f32';
  connectivity: number;
  expansion_add: number;
  expansion_search: number;
  multi: boolean;
}

interface UsearchModule {
  Index: new (config: UsearchIndexConfig) => UsearchIndex;
  exactSearch(
    dataset: Float32Array,
    queries: Float32Array,
    dimensions: number,
    count: number,
    metric: 'cos',
    threads?: number,
  ): UsearchMatches;
}

export type UsearchLoad = { module: UsearchModule; version: string } | { missing: string };

/**
 * usearch, if it is installed (a dev dependency, absent from a consumer's install: that must not stop
 * the benchmarks). Loaded through require: its ESM entry cannot find its native build.
 */
export function loadUsearch(): UsearchLoad {
  const require = createRequire(import.meta.url);
  let loaded: unknown;
  try {
    loaded = require('usearch');
  } catch (error) {
    return { missing: `not installed (${(error as Error).message.split('\n')[0] ?? 'cannot load'})` };
  }
  const candidate = loaded as Partial<UsearchModule>;
  if (typeof candidate.Index !== 'function' || typeof candidate.exactSearch !== 'function')
    return { missing: 'installed, but without the expected Index and exactSearch API' };
  return { module: candidate as UsearchModule, version: packageVersion(require.resolve('usearch')) };
}

/** The version in the nearest package.json above `entry` (usearch does not export its package.json). */
function packageVersion(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (parsed.name === 'usearch') return parsed.version ?? 'unknown';
  }
  return 'unknown';
}

/** Row numbers of usearch keys (the benchmarks key rows by their number). */
export function rowsOfKeys(keys: BigUint64Array): Uint32Array {
  const rows = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) rows[i] = Number(keys[i]);
  return rows;
}
