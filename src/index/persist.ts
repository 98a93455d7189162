import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { IndexMismatchError, VsearchError } from '../errors.js';
import { fsyncDirectory, fsyncPath } from '../fs/fsync.js';
import { type CrossModalEdgesRecord, projectQueryEdges } from './cross-modal-edges.js';
import { checkGraphFile, crcText, fileChecksum, GraphFileDamage, type GraphFileFacts } from './graph-file-check.js';
import { HnswIndex } from './hnsw-index.js';
import type { PinnedGraph } from './pinned-graph.js';
import type { Metric } from './vector-index.js';

/**
 * `index/sidecar.json`: what the graph file holds and which store files it covers.
 * `count` is the number of live vectors; `deleted` lists labels still in the graph
 * but marked deleted (hnswlib keeps them), so the graph holds count + deleted.length points.
 * Format 2 adds the graph file's size and checksum, and the sidecar's own checksum (over its
 * JSON without that field), so a damaged or foreign graph or sidecar is refused on open.
 */
export interface IndexSidecar {
  format: 1 | 2;
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
  /**
   * Format 2: the graph file's size in bytes, its `crc32:` checksum (checked by saves and
   * doctor), and the checksum of all but its vectors (checked on every open: graph-file-check.ts).
   */
  graphBytes?: number;
  graphChecksum?: string;
  graphLinksChecksum?: string;
  /** Level-0 links projected from training queries (cross-modal-edges.ts), when the graph holds them. */
  crossModalEdges?: CrossModalEdgesRecord;
  /**
   * Format 2: the graph holds every stored label below this one and none at or above it (labels
   * are never reused, so files written later hold only higher ones). A write that adds a few
   * rows or removes a few then updates this sidecar instead of the graph: the files with labels
   * at or above it are added, and `unmarked` is marked deleted, when the graph is read.
   */
  labelsBelow?: number;
  /** Format 2: labels live in the graph file that the store no longer holds (removed since it was saved). */
  unmarked?: number[];
  /** Format 2: the checksum of this JSON with `checksum` left out. */
  checksum?: string;
}

export const SIDECAR_FILE = 'sidecar.json';
const GRAPH_FILE = /^hnsw-(\d+)(?:-[0-9a-f]{8})?\.bin$/;
/** Temp files of a save in progress end in `.<pid>.tmp`: removed once that process is gone. */
const SAVE_TEMP = /^(?:sidecar\.json|hnsw-.+\.bin)\.(?:.+\.)?(\d+)\.tmp$/;
export const REBUILD_HINT = 'run `vsearch build` to rebuild the index';
const REBUILD = REBUILD_HINT;

/**
 * Saves the graph under a new generation name (written to a temp file, checked, then renamed,
 * so a graph file under its final name is always whole), then atomically points sidecar.json
 * at it, then deletes older graphs. A crash at any step leaves the old or the new pair.
 */
export async function saveHnswIndex(
  dir: string,
  index: HnswIndex,
  coverage: GraphCoverage,
  options: SaveOptions = {},
): Promise<IndexSidecar> {
  const written = await writeHnswGraph(dir, index, coverage, options);
  await written.commit();
  return written.sidecar;
}

/** A graph file written and checked under its final name, not yet named by sidecar.json. */
export interface WrittenGraph {
  sidecar: IndexSidecar;
  /** Points sidecar.json at the graph and deletes the older graphs. */
  commit(): Promise<void>;
  /** Deletes the graph file instead (no sidecar names it). */
  discard(): Promise<void>;
}

/** The first half of saveHnswIndex: the graph file, for a caller that decides whether to commit it. */
export async function writeHnswGraph(
  dir: string,
  index: HnswIndex,
  coverage: GraphCoverage,
  options: SaveOptions = {},
): Promise<WrittenGraph> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  let generation = 0;
  for (const name of entries) {
    const match = GRAPH_FILE.exec(name);
    if (match !== null) generation = Math.max(generation, Number(match[1]));
  }
  // The random part keeps two processes saving at once (readers rebuild too) off each other's file.
  const unique = `${generation + 1}-${(crc32(`${process.pid}:${Date.now()}:${Math.random()}`) >>> 0).toString(16).padStart(8, '0')}`;
  const graph = `hnsw-${unique}.bin`;
  const graphPath = join(dir, graph);
  const graphTemp = `${graphPath}.${process.pid}.tmp`;
  // Snapshot before the write: writeGraph refuses mutations until it ends.
  const snapshot = {
    format: 2 as const,
    kind: 'hnsw' as const,
    dimension: index.dimension,
    metric: 'cosine' as const,
    M: index.M,
    efConstruction: index.efConstruction,
    count: index.size,
    maxElements: index.maxElements,
    fingerprint: coverage.fingerprint,
    files: [...coverage.files],
    graph,
    deleted: index.deletedLabels().sort((a, b) => a - b),
    ...(coverage.labelsBelow === undefined ? {} : { labelsBelow: coverage.labelsBelow }),
  };
  let facts: GraphFileFacts;
  let edges = index.crossModalEdges;
  try {
    await index.writeGraph(graphTemp);
    if (options.crossModalQueries !== undefined) edges = await addProjectedLinks(graphTemp, options.crossModalQueries);
    await fsyncPath(graphTemp);
    // The binding ignores write errors (disk full): check what landed on disk.
    facts = await checkGraphFile(graphTemp, { dimension: snapshot.dimension });
    checkAgainstSidecar(facts, snapshot, graphTemp);
    await rename(graphTemp, graphPath);
    // The file now holds links the graph in memory lacks: search with the file's.
    if (options.crossModalQueries !== undefined) await index.replaceGraph(graphPath);
    index.crossModalEdges = edges;
  } catch (error) {
    await rm(graphTemp, { force: true }).catch(() => undefined);
    throw new VsearchError(`writing the HNSW graph ${graphPath} failed: ${errorText(error)}`, { cause: error });
  }
  const sidecar = withChecksum({
    ...snapshot,
    ...(edges === undefined ? {} : { crossModalEdges: edges }),
    graphBytes: facts.bytes,
    graphChecksum: facts.checksum ?? (await fileChecksum(graphPath)),
    graphLinksChecksum: facts.linksChecksum,
  });
  return {
    sidecar,
    async commit() {
      await writeSidecar(dir, sidecar);
      for (const name of entries) {
        if ((GRAPH_FILE.test(name) && name !== graph) || isAbandonedTemp(name)) {
          await rm(join(dir, name), { force: true }).catch(() => undefined); // a leftover is harmless
        }
      }
    },
    async discard() {
      await rm(graphPath, { force: true }).catch(() => undefined); // a leftover is removed by the next save
    },
  };
}

/** The store files a saved graph holds the vectors of, and (labelsBelow) the labels it holds. */
export interface GraphCoverage {
  fingerprint: string;
  files: string[];
  labelsBelow?: number | undefined;
}

/**
 * Points the saved sidecar at other store files, leaving the graph file as it is (its size and
 * checksums stay those of the file on disk): after a write that renamed files, added a few rows
 * for the next read to insert, or removed a few (`unmarked`). Only the sidecar `expected` (as
 * read under the library's write lock) is replaced; returns whether it was still the one on disk.
 */
export async function recordCoverage(
  dir: string,
  expected: IndexSidecar,
  coverage: { fingerprint: string; files: string[]; labelsBelow: number; unmarked: number[] },
): Promise<boolean> {
  const read = await readSidecar(dir);
  if (read === undefined || read.sidecar.checksum !== expected.checksum || read.sidecar.format !== 2) return false;
  const { checksum: _old, unmarked: _before, ...sidecar } = read.sidecar;
  await writeSidecar(
    dir,
    withChecksum({
      ...sidecar,
      fingerprint: coverage.fingerprint,
      files: [...coverage.files],
      labelsBelow: coverage.labelsBelow,
      ...(coverage.unmarked.length === 0 ? {} : { unmarked: coverage.unmarked }),
    }),
  );
  return true;
}

/** Replaces sidecar.json atomically: a temp file, fsynced, renamed, and the directory fsynced. */
async function writeSidecar(dir: string, sidecar: IndexSidecar): Promise<void> {
  const unique = (crc32(`${process.pid}:${Date.now()}:${Math.random()}`) >>> 0).toString(16).padStart(8, '0');
  const temp = join(dir, `${SIDECAR_FILE}.${unique}.${process.pid}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(sidecar, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, SIDECAR_FILE));
  await fsyncDirectory(dir);
}

export interface SaveOptions {
  /**
   * Training queries (flat unit vectors of the library's dimension): the saved graph gets the
   * level-0 links projected from their exact neighbourhoods, and the index is read back from it.
   */
  crossModalQueries?: Float32Array | undefined;
}

/** Rewrites a just-written graph file with the links projected from `queries`. */
async function addProjectedLinks(path: string, queries: Float32Array): Promise<CrossModalEdgesRecord> {
  const read = await readFile(path);
  // Typed views of the links and vectors need 4-byte alignment.
  const file = read.byteOffset % 4 === 0 ? read : Buffer.from(read);
  const record = projectQueryEdges(file, queries);
  await writeFile(path, file);
  return record;
}

/**
 * Loads the index saved in `dir`, or undefined when there is none. Throws
 * IndexMismatchError when it was built for another dimension or metric, or when the
 * sidecar or graph file is missing, unreadable, damaged, foreign or disagrees with the
 * other: the graph is handed to hnswlib only after every field it follows was checked.
 */
export async function loadHnswIndex(
  dir: string,
  expected: { dimension: number; metric: Metric; ef?: number; threads?: number },
  pinned?: PinnedGraph,
): Promise<{ index: HnswIndex; sidecar: IndexSidecar } | undefined> {
  let sidecar: IndexSidecar;
  let checked: GraphFileFacts;
  if (pinned !== undefined) {
    // The held file cannot be replaced under us: checked and read through the same descriptor.
    sidecar = pinned.sidecar;
    checked = await checkSavedGraph(dir, sidecar, { ...expected, checksum: false, readFrom: pinned.readPath });
  } else {
    const read = await readSidecar(dir);
    if (read === undefined) return undefined;
    sidecar = read.sidecar;
    try {
      checked = await checkSavedGraph(dir, sidecar, { ...expected, checksum: false });
    } catch (error) {
      // A writer may have replaced the pair between our two reads: follow the new sidecar once.
      const again =
        error instanceof IndexMismatchError && /missing/.test(error.message) ? await readSidecar(dir) : undefined;
      if (again === undefined || again.sidecar.graph === sidecar.graph) throw error;
      sidecar = again.sidecar;
      checked = await checkSavedGraph(dir, sidecar, { ...expected, checksum: false });
    }
  }
  const graphPath = join(dir, sidecar.graph);
  const index = await HnswIndex.read(pinned?.readPath ?? graphPath, {
    shownAs: graphPath,
    dimension: sidecar.dimension,
    M: sidecar.M,
    efConstruction: sidecar.efConstruction,
    deleted: sidecar.deleted,
    ...(expected.ef === undefined ? {} : { ef: expected.ef }),
    ...(expected.threads === undefined ? {} : { threads: expected.threads }),
  });
  index.crossModalEdges = sidecar.crossModalEdges;
  if (index.size !== sidecar.count || index.graphCount !== checked.count) {
    throw new IndexMismatchError(
      `the HNSW graph ${graphPath} holds ${index.size} live of ${index.graphCount} points, but its sidecar says ${sidecar.count} live and ${sidecar.deleted.length} deleted; ${REBUILD}`,
    );
  }
  // Removed from the store after the graph was saved: marked here, in memory, until the next save.
  if (sidecar.unmarked !== undefined) index.remove(sidecar.unmarked);
  return { index, sidecar };
}

/** The sidecar in `dir`, checked (its own checksum included); undefined when there is none. */
export async function readSidecar(dir: string): Promise<{ sidecar: IndexSidecar; path: string } | undefined> {
  const path = join(dir, SIDECAR_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw new IndexMismatchError(`cannot read the index sidecar ${path} (${errorText(error)}); ${REBUILD}`, {
      cause: error,
    });
  }
  return { sidecar: parseSidecar(text, path), path };
}

/**
 * Checks the graph file a sidecar names against it and against the library's dimension and
 * metric, without the native addon; returns what the file holds. IndexMismatchError on any fault.
 */
export async function checkSavedGraph(
  dir: string,
  sidecar: IndexSidecar,
  expected: {
    dimension: number;
    metric: Metric;
    labels?: boolean;
    checksum?: boolean;
    onVector?: (label: number, vector: Float32Array) => void;
    /** Where to read the graph file from, when not its path in `dir` (a pinned graph's descriptor). */
    readFrom?: string;
  },
): Promise<GraphFileFacts> {
  if (sidecar.metric !== expected.metric) {
    throw new IndexMismatchError(
      `the index in ${dir} uses metric ${sidecar.metric}, but the library uses ${expected.metric}; ${REBUILD}`,
    );
  }
  if (sidecar.dimension !== expected.dimension) {
    throw new IndexMismatchError(
      `the index in ${dir} holds vectors of dimension ${sidecar.dimension}, but the library's are ${expected.dimension}; ${REBUILD}`,
    );
  }
  const graphPath = join(dir, sidecar.graph);
  let facts: GraphFileFacts;
  try {
    facts = await checkGraphFile(expected.readFrom ?? graphPath, {
      dimension: sidecar.dimension,
      ...(expected.labels === true ? { labels: true } : {}),
      ...(expected.checksum === false ? { checksum: false } : {}),
      ...(expected.onVector === undefined ? {} : { onVector: expected.onVector }),
    });
  } catch (error) {
    if (isErrno(error, 'ENOENT'))
      throw new IndexMismatchError(`the HNSW graph ${graphPath} named by the sidecar is missing; ${REBUILD}`, {
        cause: error,
      });
    if (error instanceof GraphFileDamage)
      throw new IndexMismatchError(`the HNSW graph ${graphPath} is corrupt (${error.message}); ${REBUILD}`, {
        cause: error,
      });
    throw new IndexMismatchError(`cannot read the HNSW graph ${graphPath} (${errorText(error)}); ${REBUILD}`, {
      cause: error,
    });
  }
  checkAgainstSidecar(facts, sidecar, graphPath);
  return facts;
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
  const format = o['format'];
  if (format !== 1 && format !== 2)
    return bad(`unsupported sidecar format ${JSON.stringify(format)} (expected 1 or 2)`);
  if (format === 2) {
    const { checksum, ...rest } = o;
    if (checksum !== checksumOf(rest)) return bad('its checksum does not match its contents (the file is damaged)');
  }
  if (o['kind'] !== 'hnsw') return bad(`unsupported index kind ${JSON.stringify(o['kind'])}`);
  if (o['metric'] !== 'cosine') return bad(`unsupported metric ${JSON.stringify(o['metric'])}`);
  const int = (key: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? v
      : bad(`"${key}" must be an integer from ${min} to ${max}`);
  };
  const str = (key: string): string => {
    const v = o[key];
    return typeof v === 'string' ? v : bad(`"${key}" must be a string`);
  };
  const graph = str('graph');
  if (!GRAPH_FILE.test(graph)) bad(`"graph" must name an hnsw-<generation>.bin file, not ${JSON.stringify(graph)}`);
  const files = o['files'];
  if (!Array.isArray(files) || !files.every((f): f is string => typeof f === 'string'))
    return bad('"files" must be an array of strings');
  const deleted = o['deleted'] ?? [];
  if (
    !Array.isArray(deleted) ||
    !deleted.every((l): l is number => typeof l === 'number' && Number.isInteger(l) && l >= 0 && l <= 0xffff_ffff)
  ) {
    return bad('"deleted" must be an array of uint32 labels');
  }
  const sidecar: IndexSidecar = {
    format,
    kind: 'hnsw',
    dimension: int('dimension', 1),
    metric: 'cosine',
    M: int('M', 2, 10_000),
    efConstruction: int('efConstruction', 1),
    count: int('count', 0),
    maxElements: int('maxElements', 1, 0x1_0000_0000),
    fingerprint: str('fingerprint'),
    files,
    graph,
    deleted,
  };
  if (format === 1) return sidecar;
  const edges = o['crossModalEdges'];
  let crossModalEdges: CrossModalEdgesRecord | undefined;
  if (edges !== undefined) {
    if (typeof edges !== 'object' || edges === null || Array.isArray(edges))
      return bad('"crossModalEdges" must be an object');
    const e = edges as Record<string, unknown>;
    const field = (key: keyof CrossModalEdgesRecord): number => {
      const v = e[key];
      return typeof v === 'number' && Number.isInteger(v) && v >= 0
        ? v
        : bad(`"crossModalEdges.${key}" must be a count`);
    };
    crossModalEdges = {
      queries: field('queries'),
      k: field('k'),
      degree: field('degree'),
      graphPoints: field('graphPoints'),
      linkedPoints: field('linkedPoints'),
      links: field('links'),
    };
  }
  const labelsBelow = o['labelsBelow'] === undefined ? undefined : int('labelsBelow', 0, 0x1_0000_0000);
  const unmarked = o['unmarked'];
  if (
    unmarked !== undefined &&
    (!Array.isArray(unmarked) ||
      !unmarked.every(
        (l): l is number =>
          typeof l === 'number' && Number.isInteger(l) && l >= 0 && (labelsBelow === undefined || l < labelsBelow),
      ))
  ) {
    return bad('"unmarked" must be an array of labels below "labelsBelow"');
  }
  return {
    ...sidecar,
    ...(crossModalEdges === undefined ? {} : { crossModalEdges }),
    ...(labelsBelow === undefined ? {} : { labelsBelow }),
    ...(unmarked === undefined ? {} : { unmarked }),
    graphBytes: int('graphBytes', 0),
    graphChecksum: str('graphChecksum'),
    graphLinksChecksum: str('graphLinksChecksum'),
    checksum: str('checksum'),
  };
}

function isAbandonedTemp(name: string): boolean {
  const match = SAVE_TEMP.exec(name);
  if (match === null) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return isErrno(error, 'ESRCH');
  }
}

function checksumOf(fields: Record<string, unknown>): string {
  return crcText(crc32(JSON.stringify(fields)));
}

function withChecksum(sidecar: Omit<IndexSidecar, 'checksum'>): IndexSidecar {
  return { ...sidecar, checksum: checksumOf({ ...sidecar }) };
}

/** The graph file against its sidecar: shape, counts, and (format 2) size and checksum, which refuse a graph of another library. */
function checkAgainstSidecar(facts: GraphFileFacts, sidecar: Omit<IndexSidecar, 'checksum'>, path: string): void {
  const differ = (what: string, inFile: number | string, inSidecar: number | string): void => {
    if (inFile !== inSidecar) {
      throw new IndexMismatchError(
        `the HNSW graph ${path} has ${what} ${inFile}, but its sidecar says ${inSidecar}; ${REBUILD}`,
      );
    }
  };
  differ('dimension', facts.dimension, sidecar.dimension);
  differ('M', facts.M, sidecar.M);
  // hnswlib raises efConstruction to M.
  differ('efConstruction', facts.efConstruction, Math.max(sidecar.efConstruction, sidecar.M));
  differ('point count (live + deleted)', facts.count, sidecar.count + sidecar.deleted.length);
  differ('deleted points', facts.deleted, sidecar.deleted.length);
  differ('capacity', facts.maxElements, sidecar.maxElements);
  if (sidecar.graphBytes !== undefined) differ('size', facts.bytes, sidecar.graphBytes);
  const checksums: [string | undefined, string | undefined][] = [
    [facts.linksChecksum, sidecar.graphLinksChecksum],
    [facts.checksum, sidecar.graphChecksum],
  ];
  for (const [inFile, inSidecar] of checksums) {
    if (inFile !== undefined && inSidecar !== undefined && inFile !== inSidecar) {
      throw new IndexMismatchError(
        `the HNSW graph ${path} has checksum ${inFile}, but its sidecar says ${inSidecar}: it is damaged or belongs to another index; ${REBUILD}`,
      );
    }
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
