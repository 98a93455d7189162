// postinstall (and `npm run native`): compiles a second copy of hnswlib-node's addon for this
// CPU (-O3 -march=native), beside the stock one. hnswlib-node compiles without -march, so its
// distance code runs on SSE only; bench/native-simd.mjs measured this copy 1.3x faster at both
// build and search with identical results. hnswlib's own Python package compiles the same way.
// The copy also gets scripts/hnswlib-node-ext.cc: typed-array search and multi-threaded insertion.
// Never fails the install: on any problem it says why and vsearch keeps the stock build.
// src/index/hnswlib-binding.ts decides at run time whether the copy may be loaded (same
// hnswlib-node version, and this CPU has every instruction-set flag the build machine had).
// Set VSEARCH_NATIVE_HNSWLIB=0 to skip the build and the copy.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT_DIR = join(ROOT, 'native');
const ADDON = join(OUT_DIR, 'hnswlib-node.node');
const RECORD = join(OUT_DIR, 'hnswlib-node.json');
const CXXFLAGS = '-O3 -march=native';
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
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the native build is only made on linux-x64 (this is ${process.platform}-${process.arch})`;
  const cpuFlags = readCpuFlags();
  if (cpuFlags === undefined) return 'no "flags" line in /proc/cpuinfo';
  const nodeGyp = process.env.npm_config_node_gyp ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(nodeGyp)) return `node-gyp not found (looked at ${nodeGyp})`;
  const require = createRequire(join(ROOT, 'package.json'));
  const stockDir = dirname(require.resolve('hnswlib-node/package.json'));
  const version = JSON.parse(readFileSync(join(stockDir, 'package.json'), 'utf8')).version;

  // Whatever was there describes another build until the new record is written.
  rmSync(RECORD, { force: true });
  const work = mkdtempSync(join(tmpdir(), 'vsearch-native-hnswlib-'));
  let extended = false;
  try {
    for (const part of ['binding.gyp', 'package.json', 'src']) cpSync(join(stockDir, part), join(work, part), { recursive: true });
    extended = addExtension(join(work, 'src', 'addon.cc'));
    // binding.gyp asks node for node-addon-api's headers: let it find the package hnswlib-node uses.
    const nodePath = [join(stockDir, 'node_modules'), dirname(stockDir), process.env.NODE_PATH].filter(Boolean).join(delimiter);
    // Node's own headers, as npm is set to build against them, rather than a download.
    const prefix = dirname(dirname(process.execPath));
    const nodedir = process.env.npm_config_nodedir === undefined && existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
    const compile = spawnSync(process.execPath, [nodeGyp, 'rebuild', ...nodedir], {
      cwd: work,
      env: { ...process.env, CXXFLAGS: [process.env.CXXFLAGS, CXXFLAGS].filter(Boolean).join(' '), NODE_PATH: nodePath },
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
    if (compile.status !== 0) return `node-gyp rebuild failed (${compile.error?.message ?? `exit ${compile.status}`}): ${firstError(compile.stderr)}`;
    const built = join(work, 'build', 'Release', 'addon.node');
    const mismatch = compareWithStock(built, stockDir);
    if (mismatch !== undefined) return `the compiled copy did not pass its check: ${mismatch}`;
    mkdirSync(OUT_DIR, { recursive: true });
    cpSync(built, `${ADDON}.tmp`);
    renameSync(`${ADDON}.tmp`, ADDON);
    const record = { hnswlibNode: version, cxxflags: CXXFLAGS, extension: extended, cpuFlags, node: process.version, builtAt: new Date().toISOString() };
    writeFileSync(`${RECORD}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${RECORD}.tmp`, RECORD);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  say(`compiled hnswlib-node ${version} for this CPU (${CXXFLAGS}${extended ? ', with typed-array and parallel-insert methods' : ''}) in ${((performance.now() - started) / 1000).toFixed(1)} s: ${ADDON}`);
  return undefined;
}

/**
 * Inserts scripts/hnswlib-node-ext.cc into addon.cc's HierarchicalNSW class and registers its
 * methods. Returns false, leaving the file as it was, when addon.cc no longer has the places it
 * goes (another hnswlib-node version): the copy is then compiled without it, and vsearch uses
 * the stock methods (it checks for the extension's methods at run time).
 */
function addExtension(addonFile) {
  const source = readFileSync(addonFile, 'utf8');
  const extension = readFileSync(join(ROOT, 'scripts', 'hnswlib-node-ext.cc'), 'utf8');
  const include = '#include "hnswlib/hnswlib.h"\n';
  const register = 'InstanceMethod("searchKnn", &HierarchicalNSW::searchKnn),';
  const classAt = source.indexOf('class HierarchicalNSW : public Napi::ObjectWrap<HierarchicalNSW>');
  const methodAt = classAt < 0 ? -1 : source.indexOf('  Napi::Value searchKnn(const Napi::CallbackInfo& info) {', classAt);
  if (!source.includes(include) || !source.includes(register) || methodAt < 0) {
    say('addon.cc has changed shape: compiling the copy without the typed-array extension');
    return false;
  }
  const patched = (source.slice(0, methodAt) + extension + source.slice(methodAt))
    .replace(include, `${include}#include <algorithm>\n#include <atomic>\n#include <mutex>\n#include <thread>\n`)
    .replace(register, `${register}\n      InstanceMethod("addPointsFloat32", &HierarchicalNSW::addPointsFloat32),\n      InstanceMethod("searchKnnFloat32Into", &HierarchicalNSW::searchKnnFloat32Into),`);
  writeFileSync(addonFile, patched);
  return true;
}

/** The instruction-set flags of this CPU, as the kernel lists them. Mirrors src/index/cpu-flags.ts. */
function readCpuFlags() {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((text) => /^flags\s*:/.test(text));
  return line?.slice(line.indexOf(':') + 1).trim().split(/\s+/).sort();
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
  return (lines.find((line) => /error/i.test(line) && !/^gyp ERR! stack\s+at /.test(line)) ?? lines.filter(Boolean).at(-1) ?? '').trim();
}

function lastLines(text, count = 3) {
  return (text ?? '').trim().split('\n').slice(-count).join(' | ');
}
