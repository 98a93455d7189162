import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexMismatchError, VsearchError } from '../errors.js';
import { HnswIndex } from './hnsw-index.js';
import type { Metric } from './vector-index.js';

/**
 * `index/sidecar.json`: what the graph file holds and which store files it covers.
 * `count` is the number of live vectors; `deleted` lists labels still in the graph
 * but marked deleted (hnswlib keeps them), so the graph holds count + deleted.length points.
 */
export interface IndexSidecar {
  format: 1;
  kind: 'hnsw';
  dimension: number;
  metric: Metric;
  M: number;
  efConstruction: number;
  count: number;
  maxElements: number;
  fingerprint: string;
  files: string[];
  graph: string;
  deleted: number[];
}

export const SIDECAR_FILE = 'sidecar.json';
const GRAPH_FILE = /^hnsw-(\d+)\.bin$/;
const SIDECAR_TEMP = /^sidecar\.json\..+\.tmp$/;
const REBUILD = 'run `vsearch build` to rebuild the index';

/**
 * Saves the graph under a new generation name, then atomically points sidecar.json at
 * it, then deletes older graphs. A crash at any step leaves the old or the new pair.
 */
export async function saveHnswIndex(dir: string, index: HnswIndex, coverage: { fingerprint: string; files: string[] }): Promise<IndexSidecar> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  let generation = 0;
  for (const name of entries) {
    const match = GRAPH_FILE.exec(name);
    if (match !== null) generation = Math.max(generation, Number(match[1]));
  }
  const graph = `hnsw-${generation + 1}.bin`;
  const graphPath = join(dir, graph);
  // Snapshot before the write: writeGraph refuses mutations until it ends.
  const sidecar: IndexSidecar = {
    format: 1,
    kind: 'hnsw',
    dimension: index.dimension,
    metric: 'cosine',
    M: index.M,
    efConstruction: index.efConstruction,
    count: index.size,
    maxElements: index.maxElements,
    fingerprint: coverage.fingerprint,
    files: [...coverage.files],
    graph,
    deleted: index.deletedLabels().sort((a, b) => a - b),
  };
  await index.writeGraph(graphPath);
  await fsyncPath(graphPath);
  try {
    // The binding ignores write errors (disk full): check what landed on disk.
    checkHeader(await inspectGraph(graphPath), sidecar, graphPath);
  } catch (error) {
    await rm(graphPath, { force: true });
    throw new VsearchError(`writing the HNSW graph ${graphPath} failed: ${errorText(error)}`, { cause: error });
  }

  const temp = join(dir, `${SIDECAR_FILE}.${process.pid}.${generation + 1}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(sidecar, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, SIDECAR_FILE));
  await fsyncDirectory(dir);

  for (const name of entries) {
    if ((GRAPH_FILE.test(name) && name !== graph) || SIDECAR_TEMP.test(name)) {
      await rm(join(dir, name), { force: true }).catch(() => undefined); // a leftover is harmless
    }
  }
  return sidecar;
}

/**
 * Loads the index saved in `dir`, or undefined when there is none. Throws
 * IndexMismatchError when it was built for another dimension or metric, or when the
 * graph file is missing, corrupt or disagrees with the sidecar.
 */
export async function loadHnswIndex(dir: string, expected: { dimension: number; metric: Metric; ef?: number; threads?: number }): Promise<{ index: HnswIndex; sidecar: IndexSidecar } | undefined> {
  const sidecarPath = join(dir, SIDECAR_FILE);
  let text: string;
  try {
    text = await readFile(sidecarPath, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  const sidecar = parseSidecar(text, sidecarPath);
  if (sidecar.metric !== expected.metric) {
    throw new IndexMismatchError(`the index in ${dir} uses metric ${sidecar.metric}, but the library uses ${expected.metric}; ${REBUILD}`);
  }
  if (sidecar.dimension !== expected.dimension) {
    throw new IndexMismatchError(`the index in ${dir} holds vectors of dimension ${sidecar.dimension}, but the library's are ${expected.dimension}; ${REBUILD}`);
  }
  const graphPath = join(dir, sidecar.graph);
  checkHeader(await inspectGraph(graphPath), sidecar, graphPath);
  const index = await HnswIndex.read(graphPath, {
    dimension: sidecar.dimension,
    M: sidecar.M,
    efConstruction: sidecar.efConstruction,
    deleted: sidecar.deleted,
    ...(expected.ef === undefined ? {} : { ef: expected.ef }),
    ...(expected.threads === undefined ? {} : { threads: expected.threads }),
  });
  if (index.size !== sidecar.count || index.graphCount !== sidecar.count + sidecar.deleted.length) {
    throw new IndexMismatchError(
      `the HNSW graph ${graphPath} holds ${index.size} live of ${index.graphCount} points, but its sidecar says ${sidecar.count} live and ${sidecar.deleted.length} deleted; ${REBUILD}`,
    );
  }
  return { index, sidecar };
}

function parseSidecar(text: string, path: string): IndexSidecar {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new IndexMismatchError(`${path} is not valid JSON; ${REBUILD}`, { cause: error });
  }
  const bad = (what: string): never => {
    throw new IndexMismatchError(`${path}: ${what}; ${REBUILD}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('not a JSON object');
  const o = value as Record<string, unknown>;
  if (o['format'] !== 1) return bad(`unsupported sidecar format ${JSON.stringify(o['format'])} (expected 1)`);
  if (o['kind'] !== 'hnsw') return bad(`unsupported index kind ${JSON.stringify(o['kind'])}`);
  if (o['metric'] !== 'cosine') return bad(`unsupported metric ${JSON.stringify(o['metric'])}`);
  const int = (key: string, min: number): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : bad(`"${key}" must be an integer >= ${min}`);
  };
  const str = (key: string): string => {
    const v = o[key];
    return typeof v === 'string' ? v : bad(`"${key}" must be a string`);
  };
  const graph = str('graph');
  if (!GRAPH_FILE.test(graph)) bad(`"graph" must name an hnsw-<generation>.bin file, not ${JSON.stringify(graph)}`);
  const files = o['files'];
  if (!Array.isArray(files) || !files.every((f): f is string => typeof f === 'string')) return bad('"files" must be an array of strings');
  const deleted = o['deleted'] ?? [];
  if (!Array.isArray(deleted) || !deleted.every((l): l is number => typeof l === 'number' && Number.isInteger(l) && l >= 0 && l <= 0xffff_ffff)) {
    return bad('"deleted" must be an array of uint32 labels');
  }
  return {
    format: 1,
    kind: 'hnsw',
    dimension: int('dimension', 1),
    metric: 'cosine',
    M: int('M', 2),
    efConstruction: int('efConstruction', 1),
    count: int('count', 0),
    maxElements: int('maxElements', 1),
    fingerprint: str('fingerprint'),
    files,
    graph,
    deleted,
  };
}

/** hnswlib's graph header (hnswalg.h saveIndex): 6 size_t, int, uint32, 3 size_t, double, size_t. */
interface GraphHeader {
  maxElements: number;
  count: number;
  dimension: number;
  M: number;
  efConstruction: number;
}

const HEADER_BYTES = 96;
const LABEL_BYTES = 8; // labeltype is size_t
const MAX_LEVEL = 64;

/**
 * Reads and checks the layout of an hnswlib graph file without the binding, which
 * trusts the file blindly (a wrong dimension or a truncation reads garbage). Walks
 * the per-point link-list sizes so a truncated or padded file is caught here.
 */
async function inspectGraph(path: string): Promise<GraphHeader> {
  const corrupt = (what: string): never => {
    throw new IndexMismatchError(`the HNSW graph ${path} is corrupt (${what}); ${REBUILD}`);
  };
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new IndexMismatchError(`the HNSW graph ${path} named by the sidecar is missing; ${REBUILD}`, { cause: error });
    throw error;
  }
  try {
    const fileSize = (await handle.stat()).size;
    if (fileSize < HEADER_BYTES) return corrupt(`${fileSize} bytes, shorter than its header`);
    const head = Buffer.alloc(HEADER_BYTES);
    await handle.read(head, 0, HEADER_BYTES, 0);
    const u64 = (offset: number): number => {
      const v = head.readBigUInt64LE(offset);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : corrupt(`header field at byte ${offset} is out of range`);
    };
    const offsetLevel0 = u64(0);
    const maxElements = u64(8);
    const count = u64(16);
    const sizePerElement = u64(24);
    const labelOffset = u64(32);
    const offsetData = u64(40);
    const maxLevel = head.readInt32LE(48);
    const entryPoint = head.readUInt32LE(52);
    const maxM = u64(56);
    const maxM0 = u64(64);
    const M = u64(72);
    const efConstruction = u64(88);
    if (offsetLevel0 !== 0 || count > maxElements) return corrupt('bad header');
    if (maxM0 !== 2 * M || maxM !== M || offsetData !== maxM0 * 4 + 4) return corrupt('bad link sizes in header');
    const vectorBytes = labelOffset - offsetData;
    if (vectorBytes <= 0 || vectorBytes % 4 !== 0 || sizePerElement !== labelOffset + LABEL_BYTES) return corrupt('bad element layout in header');
    if (count > 0 && (maxLevel < 0 || maxLevel > MAX_LEVEL || entryPoint >= count)) return corrupt('bad entry point');

    const linksStart = HEADER_BYTES + count * sizePerElement;
    const linksPerLevel = maxM * 4 + 4;
    const linkBytes = fileSize - linksStart;
    if (linkBytes < count * 4 || linkBytes > count * (4 + Math.max(0, maxLevel) * linksPerLevel)) {
      return corrupt(`${fileSize} bytes do not fit ${count} points`);
    }
    const links = Buffer.alloc(linkBytes);
    await handle.read(links, 0, linkBytes, linksStart);
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 4 > linkBytes) return corrupt(`truncated at point ${i} of ${count}`);
      const size = links.readUInt32LE(at);
      if (size % linksPerLevel !== 0 || size / linksPerLevel > maxLevel) return corrupt(`bad link list at point ${i}`);
      at += 4 + size;
    }
    if (at !== linkBytes) return corrupt(at > linkBytes ? 'truncated' : `${linkBytes - at} trailing bytes`);
    return { maxElements, count, dimension: vectorBytes / 4, M, efConstruction };
  } finally {
    await handle.close();
  }
}

function checkHeader(header: GraphHeader, sidecar: IndexSidecar, path: string): void {
  const differ = (what: string, inFile: number, inSidecar: number): void => {
    if (inFile !== inSidecar) {
      throw new IndexMismatchError(`the HNSW graph ${path} has ${what} ${inFile}, but its sidecar says ${inSidecar}; ${REBUILD}`);
    }
  };
  differ('dimension', header.dimension, sidecar.dimension);
  differ('M', header.M, sidecar.M);
  differ('efConstruction', header.efConstruction, sidecar.efConstruction);
  differ('point count (live + deleted)', header.count, sidecar.count + sidecar.deleted.length);
  differ('capacity', header.maxElements, sidecar.maxElements);
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename still stands.
    if (!isErrno(error, 'EISDIR') && !isErrno(error, 'EPERM') && !isErrno(error, 'EINVAL') && !isErrno(error, 'EACCES')) throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
