// postinstall (and `npm run native`): compiles vsearch's copy of hnswlib-node's addon beside the
// stock one, from the pinned hnswlib-node with scripts/hnswlib-node-<version>.patch applied: the
// patch adds typed-array search and multi-threaded insertion (see its comments) and guards the
// addon's asynchronous readIndex/writeIndex against overlapping calls.
// The copy is portable by default: the compiler's baseline for the architecture, as the stock
// build. VSEARCH_NATIVE_MARCH=native (or x86-64-v2, -v3, -v4) opts in to wider instructions:
// bench/native-simd.mjs measured -march=native 1.3x faster at build and search, same answers.
// src/index/hnswlib-binding.ts loads the copy only where this CPU has every instruction-set flag
// the record lists as required (none for the baseline), and falls back to the stock build.
// Never fails the install: on any problem (another hnswlib-node version, a patch that does not
// apply, no compiler) it says why and vsearch keeps the stock build.
// Set VSEARCH_NATIVE_HNSWLIB=0 to skip the build and the copy.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT_DIR = join(ROOT, 'native');
const ADDON = join(OUT_DIR, 'hnswlib-node.node');
const RECORD = join(OUT_DIR, 'hnswlib-node.json');
/** The hnswlib-node version the patch is written against (package.json pins the same). */
const PINNED = '3.0.0';
const PATCH = join(ROOT, 'scripts', `hnswlib-node-${PINNED}.patch`);
/** What each opt-in -march needs from the CPU, in /proc/cpuinfo's names; 'native' needs every flag of this one. */
const X86_64_V2 = ['cx16', 'lahf_lm', 'pni', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'];
const X86_64_V3 = [...X86_64_V2, 'abm', 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'xsave'];
const MARCH_NEEDS = {
  'x86-64-v2': X86_64_V2,
  'x86-64-v3': X86_64_V3,
  'x86-64-v4': [...X86_64_V3, 'avx512bw', 'avx512cd', 'avx512dq', 'avx512f', 'avx512vl'],
};
const started = performance.now();
const say = (message) => process.stderr.write(`vsearch: ${message}\n`);

try {
  const reason = buildNative();
  if (reason !== undefined) say(`kept the stock hnswlib-node build: ${reason}`);
} catch (error) {
  say(`kept the stock hnswlib-node build: ${error instanceof Error ? error.message : String(error)}`);
}

/** @returns {string | undefined} why nothing was built, or undefined when the copy is in place */
function buildNative() {
  if (process.env.VSEARCH_NATIVE_HNSWLIB === '0') return 'VSEARCH_NATIVE_HNSWLIB=0';
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `the native build is only made on linux-x64 (this is ${process.platform}-${process.arch})`;
  const cpuFlags = readCpuFlags();
  if (cpuFlags === undefined) return 'no "flags" line in /proc/cpuinfo';
  const march = process.env.VSEARCH_NATIVE_MARCH ?? '';
  if (march !== '' && march !== 'native' && !(march in MARCH_NEEDS))
    return `VSEARCH_NATIVE_MARCH=${march} is not one of native, ${Object.keys(MARCH_NEEDS).join(', ')}`;
  const needs = march === '' ? [] : march === 'native' ? cpuFlags : [...MARCH_NEEDS[march]].sort();
  const missing = needs.filter((flag) => !cpuFlags.includes(flag));
  if (missing.length > 0) return `-march=${march} needs ${missing.join(', ')}, which this CPU lacks`;
  const cxxflags = march === '' ? '-O3' : `-O3 -march=${march}`;
  const nodeGyp =
    process.env.npm_config_node_gyp ??
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    );
  if (!existsSync(nodeGyp)) return `node-gyp not found (looked at ${nodeGyp})`;
  const require = createRequire(join(ROOT, 'package.json'));
  const stockDir = dirname(require.resolve('hnswlib-node/package.json'));
  const version = JSON.parse(readFileSync(join(stockDir, 'package.json'), 'utf8')).version;
  if (version !== PINNED) return `${PATCH} is written for hnswlib-node ${PINNED}, and ${version} is installed`;

  // Whatever was there describes another build until the new record is written.
  rmSync(RECORD, { force: true });
  const work = mkdtempSync(join(tmpdir(), 'vsearch-native-hnswlib-'));
  try {
    for (const part of ['binding.gyp', 'package.json', 'src'])
      cpSync(join(stockDir, part), join(work, part), { recursive: true });
    const unpatched = applyPatch(work);
    if (unpatched !== undefined) return unpatched;
    // binding.gyp asks node for node-addon-api's headers: let it find the package hnswlib-node uses.
    const nodePath = [join(stockDir, 'node_modules'), dirname(stockDir), process.env.NODE_PATH]
      .filter(Boolean)
      .join(delimiter);
    // Node's own headers, as npm is set to build against them, rather than a download.
    const prefix = dirname(dirname(process.execPath));
    const nodedir =
      process.env.npm_config_nodedir === undefined && existsSync(join(prefix, 'include', 'node', 'node_api.h'))
        ? [`--nodedir=${prefix}`]
        : [];
    const compile = spawnSync(process.execPath, [nodeGyp, 'rebuild', ...nodedir], {
      cwd: work,
      env: {
        ...process.env,
        CXXFLAGS: [process.env.CXXFLAGS, cxxflags].filter(Boolean).join(' '),
        NODE_PATH: nodePath,
      },
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
    if (compile.status !== 0)
      return `node-gyp rebuild failed (${compile.error?.message ?? `exit ${compile.status}`}): ${firstError(compile.stderr)}`;
    const built = join(work, 'build', 'Release', 'addon.node');
    const mismatch = compareWithStock(built, stockDir);
    if (mismatch !== undefined) return `the compiled copy did not pass its check: ${mismatch}`;
    mkdirSync(OUT_DIR, { recursive: true });
    cpSync(built, `${ADDON}.tmp`);
    renameSync(`${ADDON}.tmp`, ADDON);
    // cpuFlags: what this CPU must have to run the copy (src/index/hnswlib-binding.ts checks them).
    const record = {
      hnswlibNode: version,
      patch: basename(PATCH),
      cxxflags,
      cpuFlags: needs,
      node: process.version,
      builtAt: new Date().toISOString(),
    };
    writeFileSync(`${RECORD}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${RECORD}.tmp`, RECORD);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  say(
    `compiled hnswlib-node ${version} with ${basename(PATCH)} (${cxxflags}${march === '' ? ", portable; VSEARCH_NATIVE_MARCH=native opts in to this CPU's instructions" : ''}) in ${((performance.now() - started) / 1000).toFixed(1)} s: ${ADDON}`,
  );
  return undefined;
}

/**
 * Applies the patch to the copy of hnswlib-node's source in `work`, after checking that it
 * applies as a whole (`patch --dry-run`); returns why not, leaving the stock build in use.
 */
function applyPatch(work) {
  // --fuzz=0: every context line must match; only a shift of whole hunks is accepted.
  const args = ['-p1', '--forward', '--batch', '--fuzz=0', '--input', PATCH];
  const check = spawnSync('patch', ['--dry-run', ...args], { cwd: work, encoding: 'utf8' });
  if (check.error !== undefined)
    return `cannot run patch (${check.error.message}); install it (GNU patch) to compile the copy`;
  if (check.status !== 0)
    return `${basename(PATCH)} does not apply to this hnswlib-node source: ${lastLines(check.stdout || check.stderr)}`;
  const applied = spawnSync('patch', ['--silent', ...args], { cwd: work, encoding: 'utf8' });
  if (applied.status !== 0) return `${basename(PATCH)} failed to apply: ${lastLines(applied.stdout || applied.stderr)}`;
  return undefined;
}

/** The instruction-set flags of this CPU, as the kernel lists them. Mirrors src/index/cpu-flags.ts. */
function readCpuFlags() {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((text) => /^flags\s*:/.test(text));
  return line
    ?.slice(line.indexOf(':') + 1)
    .trim()
    .split(/\s+/)
    .sort();
}

/**
 * Loads the compiled copy in a child process (an illegal instruction kills the child, not the
 * install) and checks it answers a small exhaustive search as the stock build does.
 */
function compareWithStock(addonPath, stockDir) {
  const check = `
    const stock = require(${JSON.stringify(stockDir)});
    const native = require(${JSON.stringify(addonPath)});
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    const dim = 96, count = 300;
    const rows = Array.from({ length: count + 20 }, () => Array.from({ length: dim }, random));
    const indexes = [stock, native].map((lib) => {
      const index = new lib.HierarchicalNSW('cosine', dim);
      index.initIndex(count, 16, 100, 100);
      rows.slice(0, count).forEach((row, label) => index.addPoint(row, label));
      index.setEf(count);
      return index;
    });
    const extended = typeof native.HierarchicalNSW.prototype.addPointsFloat32 === 'function';
    const parallel = extended ? new native.HierarchicalNSW('cosine', dim) : undefined;
    if (parallel !== undefined) {
      parallel.initIndex(count, 16, 100, 100);
      parallel.addPointsFloat32(Float32Array.from(rows.slice(0, count).flat()), Uint32Array.from({ length: count }, (_, i) => i), 2);
      parallel.setEf(count);
    }
    const compare = (name, a, b) => {
      for (let i = 0; i < 10; i++) {
        if (Math.abs(a.distances[i] - b.distances[i]) > 1e-5) throw new Error(name + ' rank ' + i + ': stock ' + a.distances[i] + ' vs native ' + b.distances[i]);
      }
    };
    for (const query of rows.slice(count)) {
      const [a, b] = indexes.map((index) => index.searchKnn(query, 10));
      compare('searchKnn', a, b);
      if (parallel !== undefined) {
        const distances = new Float32Array(10);
        const labels = new Uint32Array(10);
        if (parallel.searchKnnFloat32Into(Float32Array.from(query), 10, distances, labels) !== 10) throw new Error('searchKnnFloat32Into: short answer');
        compare('addPointsFloat32 + searchKnnFloat32Into', a, { distances });
      }
    }`;
  const run = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8', timeout: 60_000 });
  if (run.status === 0) return undefined;
  return run.signal !== null ? `killed by ${run.signal}` : lastLines(run.stderr);
}

function firstError(text) {
  const lines = (text ?? '').split('\n');
  return (
    lines.find((line) => /error/i.test(line) && !/^gyp ERR! stack\s+at /.test(line)) ??
    lines.filter(Boolean).at(-1) ??
    ''
  ).trim();
}

function lastLines(text, count = 3) {
  return (text ?? '').trim().split('\n').slice(-count).join(' | ');
}
