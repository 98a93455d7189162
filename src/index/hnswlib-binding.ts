import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeBuildError } from '../errors.js';

export type Hnswlib = typeof import('hnswlib-node');

/**
 * Methods scripts/hnswlib-node-3.0.0.patch adds to HierarchicalNSW in vsearch's compiled
 * copy: typed arrays in and out (the stock methods read and write number[] element by element
 * through N-API), and insertion from several threads. Absent from the stock build.
 */
export interface HnswlibExtension {
  /** Labels must be distinct and new to the graph (not present, not marked deleted); the addon refuses a batch that breaks this. */
  addPointsFloat32?(vectors: Float32Array, labels: Uint32Array, threads: number): void;
  /** Writes up to k results, nearest first, into `distances` and `labels`; returns how many. */
  searchKnnFloat32Into?(query: Float32Array, k: number, distances: Float32Array, labels: Uint32Array): number;
}

/** What scripts/build-native-hnswlib.mjs records beside the copy it compiled for this CPU. */
interface NativeBuildRecord {
  hnswlibNode: string;
  cxxflags: string;
  /** The instruction-set flags the copy needs: none for the portable default, more with VSEARCH_NATIVE_MARCH. */
  cpuFlags: string[];
}

export interface HnswlibBinding {
  readonly hnswlib: Hnswlib;
  /** 'native': hnswlib-node's addon compiled at install for this CPU; 'stock': as hnswlib-node built it. */
  readonly build: 'native' | 'stock';
  /** For people: the native build's flags, or why the stock build is in use. */
  readonly detail: string;
}

/** The native copy, the record and the opt-out, as the install script writes and reads them. */
export const NATIVE_ADDON_URL = new URL('../../native/hnswlib-node.node', import.meta.url);
const NATIVE_RECORD_URL = new URL('../../native/hnswlib-node.json', import.meta.url);
const NATIVE_OPT_OUT = 'VSEARCH_NATIVE_HNSWLIB';

const require = createRequire(import.meta.url);
let chosen: HnswlibBinding | undefined;

/**
 * The hnswlib-node addon this process searches with, chosen once: the copy compiled for this
 * CPU when its record says it may run here, else the stock build. Graph files are the same
 * either way; only the distance code's instruction set differs.
 */
export function hnswlibBinding(): HnswlibBinding {
  if (chosen !== undefined) return chosen;
  const verdict = nativeBuildVerdict();
  if (!verdict.usable) {
    chosen = { hnswlib: loadStock(), build: 'stock', detail: verdict.reason };
    return chosen;
  }
  let native: Hnswlib;
  try {
    native = require(fileURLToPath(NATIVE_ADDON_URL)) as Hnswlib;
  } catch (error) {
    const detail = `the native copy did not load (${firstLine(error)})`;
    chosen = { hnswlib: loadStock(detail), build: 'stock', detail };
    return chosen;
  }
  chosen = { hnswlib: native, build: 'native', detail: verdict.reason };
  return chosen;
}

/**
 * hnswlib-node as it was installed. Its addon is compiled by its install script, so it is
 * missing after an install without scripts (npm --ignore-scripts, pnpm's default) and fails to
 * load when it was compiled for another Node or platform: one message says how to fix it.
 */
function loadStock(nativeDetail?: string): Hnswlib {
  try {
    return require('hnswlib-node') as Hnswlib;
  } catch (error) {
    const also = nativeDetail === undefined ? '' : `; ${nativeDetail}`;
    throw new NativeBuildError(
      `hnswlib-node's compiled addon did not load (${firstLine(error)})${also}. vsearch needs it for its HNSW index. ` +
        "It is missing when the package was installed without install scripts (npm --ignore-scripts, or pnpm without allowing hnswlib-node's build), " +
        'and unloadable when it was compiled for another Node version or platform. ' +
        'Fix: run `npm rebuild hnswlib-node` in the project that installed vsearch; it compiles the addon and needs a C++ toolchain (python3, make and g++ or clang++).',
      { cause: error },
    );
  }
}

/** The first line of a load error (the bindings package lists every path it tried after it). */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).replace(/\.?\s*Tried:$/, '').trim();
}

export type NativeVerdict = { usable: true; reason: string } | { usable: false; reason: string };

/** Whether the native copy may be loaded in this process, without loading it. */
export function nativeBuildVerdict(): NativeVerdict {
  if (process.env[NATIVE_OPT_OUT] === '0') return { usable: false, reason: `${NATIVE_OPT_OUT}=0` };
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(NATIVE_RECORD_URL, 'utf8'));
  } catch {
    return { usable: false, reason: 'no native copy was compiled at install (`npm run native` makes one)' };
  }
  const installed = (require('hnswlib-node/package.json') as { version: string }).version;
  return judgeNativeBuild(record, installed, readCpuFlags());
}

/**
 * The copy runs here when it was compiled from the installed hnswlib-node and this CPU has
 * every instruction-set flag its record requires (-march=native may use any flag of the build
 * machine, and a missing one kills the process with SIGILL rather than throwing).
 */
export function judgeNativeBuild(
  record: unknown,
  installedVersion: string,
  cpuFlags: ReadonlySet<string> | undefined,
): NativeVerdict {
  if (!isNativeBuildRecord(record))
    return { usable: false, reason: "the native copy's record is unreadable; run `npm run native`" };
  if (record.hnswlibNode !== installedVersion) {
    return {
      usable: false,
      reason: `the native copy was compiled from hnswlib-node ${record.hnswlibNode}, ${installedVersion} is installed; run \`npm run native\``,
    };
  }
  if (cpuFlags === undefined) return { usable: false, reason: "this CPU's instruction-set flags cannot be read" };
  const missing = record.cpuFlags.filter((flag) => !cpuFlags.has(flag));
  if (missing.length > 0) {
    return {
      usable: false,
      reason: `the native copy was compiled on a CPU with ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}, which this one lacks; run \`npm run native\``,
    };
  }
  return { usable: true, reason: `compiled for this CPU with ${record.cxxflags}` };
}

/** The instruction-set flags of this CPU, as the kernel lists them; undefined off Linux. Mirrors scripts/build-native-hnswlib.mjs. */
export function readCpuFlags(): Set<string> | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((row) => /^flags\s*:/.test(row));
  return line === undefined
    ? undefined
    : new Set(
        line
          .slice(line.indexOf(':') + 1)
          .trim()
          .split(/\s+/),
      );
}

function isNativeBuildRecord(value: unknown): value is NativeBuildRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<keyof NativeBuildRecord, unknown>>;
  return (
    typeof record.hnswlibNode === 'string' &&
    typeof record.cxxflags === 'string' &&
    Array.isArray(record.cpuFlags) &&
    record.cpuFlags.every((flag) => typeof flag === 'string')
  );
}
