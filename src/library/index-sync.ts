import { join } from 'node:path';
import { IndexMismatchError } from '../errors.js';
import {
  ExactIndex,
  HnswIndex,
  type IndexSidecar,
  loadHnswIndex,
  type PinnedGraph,
  REBUILD_HINT,
  readSidecar,
  recordCoverage,
  type VectorIndex,
  writeHnswGraph,
} from '../index/index.js';
import type { Manifest, SegmentStore } from '../store/index.js';
import { fingerprintOf } from './fingerprint.js';
import { INDEX_DIR } from './index-dir.js';

export { INDEX_DIR };

export interface IndexSyncOptions {
  onWarning?: ((message: string) => void) | undefined;
  /** Threads that insert into the HNSW graph (HnswIndexOptions.threads). */
  threads?: number | undefined;
  /** Cross-modal links in the graph (src/index/cross-modal-edges.ts); see CrossModalLinks. */
  crossModal?: CrossModalLinks | undefined;
}

/**
 * Level-0 links projected from the library's cached cross-modal queries. `asked` adds them
 * to the graph now, again when the cache or the graph changed since they were made; a graph
 * rebuilt from scratch gets them again when the one it replaces had them. A graph extended
 * with new files without asking keeps its links, and the new points get none.
 */
export interface CrossModalLinks {
  asked: boolean;
  /** The training queries, flat unit vectors of the library's dimension. */
  queries: () => Promise<Float32Array>;
}

/** Which index the library should use for its current size and settings. */
export function chosenKind(store: Pick<SegmentStore, 'manifest'>): 'hnsw' | 'exact' {
  return kindFor(store.manifest);
}

/** The index kind a manifest's settings choose for its segment count. */
export function kindFor(manifest: Pick<Manifest, 'index' | 'counts'>): 'hnsw' | 'exact' {
  const { index, counts } = manifest;
  if (index.kind !== 'auto') return index.kind;
  return counts.segments < index.exactBelow ? 'exact' : 'hnsw';
}

/**
 * Brings an ANN index up to date with the store, which is the source of truth: reuses the
 * saved HNSW graph when its sidecar matches, adds only the segment files it lacks, and
 * rebuilds from the store when the graph is of another shape or covers files that are gone.
 * Never returns an index that disagrees with the store. `pinned`: the saved graph to start from
 * instead of the one on disk now (the one the library's generation found: pinned-graph.ts).
 */
export async function syncIndex(
  store: SegmentStore,
  options: IndexSyncOptions = {},
  pinned?: PinnedGraph,
): Promise<VectorIndex | undefined> {
  const { dimension } = store.manifest;
  if (dimension === null) return undefined;
  if (chosenKind(store) === 'exact') {
    const exact = new ExactIndex(dimension);
    for (const file of await store.allFiles()) exact.add(file.vectors, file.labels);
    return exact;
  }
  const dir = join(store.dir, INDEX_DIR);
  const settings = store.manifest.index;
  const files = store.fileNames;
  let loaded: Awaited<ReturnType<typeof loadHnswIndex>>;
  // Why the saved index is not used, said once, together with any failure to save the rebuilt one.
  let refused: string | undefined;
  try {
    loaded = await loadHnswIndex(
      dir,
      { dimension, metric: 'cosine', ...(options.threads === undefined ? {} : { threads: options.threads }) },
      pinned,
    );
  } catch (error) {
    if (!(error instanceof IndexMismatchError)) throw error;
    refused = error.message.replace(REBUILD_HINT, 'rebuilding the index from the store');
    loaded = undefined;
  }
  let index: HnswIndex;
  let covered: ReadonlySet<string>;
  let fresh = true;
  const record = loaded?.sidecar.crossModalEdges;
  // The training queries when the graph about to be saved should get projected links: a fresh
  // graph when asked or when the one it replaces had them; an old one when asked and its links
  // were made from other queries or over fewer points.
  const linksFor = async (graph: HnswIndex, rebuilt: boolean): Promise<Float32Array | undefined> => {
    const crossModal = options.crossModal;
    if (crossModal === undefined || !(crossModal.asked || (rebuilt && record !== undefined))) return undefined;
    const queries = await linkQueries(crossModal, options);
    const current =
      !rebuilt && record?.graphPoints === graph.graphCount && record.queries * dimension === queries?.length;
    return current ? undefined : queries;
  };
  if (loaded !== undefined && loaded.sidecar.fingerprint === fingerprintOf(files)) {
    const queries = await linksFor(loaded.index, false);
    const marked = loaded.sidecar.unmarked?.length ?? 0;
    const unsaved =
      queries === undefined && marked <= UNSAVED_CHANGE_LIMIT ? undefined : await trySave(store, loaded.index, queries);
    if (unsaved !== undefined) options.onWarning?.(unsaved);
    return withEf(loaded.index, settings.ef);
  }
  const present = new Set(files);
  if (
    loaded !== undefined &&
    loaded.sidecar.M === settings.M &&
    loaded.sidecar.efConstruction === settings.efConstruction &&
    loaded.sidecar.files.every((name) => present.has(name))
  ) {
    index = loaded.index;
    covered = new Set(loaded.sidecar.files);
    fresh = false;
  } else {
    if (loaded !== undefined) refused = 'the saved index does not match the store; rebuilding it from the store';
    index = new HnswIndex({
      dimension,
      M: settings.M,
      efConstruction: settings.efConstruction,
      ef: settings.ef,
      capacity: store.manifest.counts.segments,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
    covered = new Set();
  }
  let added = 0;
  for (const name of files) {
    if (covered.has(name)) continue;
    const file = await store.file(name);
    index.add(file.vectors, file.labels);
    added += file.count;
  }
  const queries = await linksFor(index, fresh);
  // A few rows added since the graph was saved are inserted again by each read, not saved (see UNSAVED_CHANGE_LIMIT).
  const small =
    !fresh &&
    queries === undefined &&
    loaded?.sidecar.labelsBelow !== undefined &&
    added + (loaded.sidecar.unmarked?.length ?? 0) <= UNSAVED_CHANGE_LIMIT;
  const unsaved = small ? undefined : await trySave(store, index, queries);
  if (refused !== undefined || unsaved !== undefined)
    options.onWarning?.([refused, unsaved].filter((part) => part !== undefined).join('; '));
  return withEf(index, settings.ef);
}

/**
 * The index is derived: when it cannot be saved (a read-only library, a full disk) searches
 * go on from the one in memory, and the next process that can write saves it. A reader whose
 * generation was superseded while it built the graph keeps it in memory only: the sidecar on
 * disk may already be the newer generation's, and would otherwise be pointed back at older files.
 */
async function trySave(
  store: SegmentStore,
  index: HnswIndex,
  crossModalQueries?: Float32Array,
): Promise<string | undefined> {
  const files = store.fileNames;
  try {
    const written = await writeHnswGraph(
      join(store.dir, INDEX_DIR),
      index,
      { fingerprint: fingerprintOf(files), files, labelsBelow: store.manifest.nextLabel },
      { crossModalQueries },
    );
    if (!(await store.whileCurrent(() => written.commit()))) await written.discard();
    return undefined;
  } catch (error) {
    return `cannot save the HNSW index to ${join(store.dir, INDEX_DIR)} (${error instanceof Error ? error.message : String(error)}); searching with the index built in memory, which is rebuilt on each open until it can be saved`;
  }
}

/** Records the store's new file list after labels were removed from a saved HNSW index. */
export async function saveAfterRemoval(
  store: SegmentStore,
  index: VectorIndex,
  options: IndexSyncOptions = {},
): Promise<void> {
  if (!(index instanceof HnswIndex)) return;
  const unsaved = await trySave(store, index);
  if (unsaved !== undefined) options.onWarning?.(unsaved);
}

/**
 * Rows a saved graph may lack, plus labels it still holds whose segments were removed, before
 * they are saved into it. Up to this many, a write only updates the sidecar and each read of
 * the graph applies them in memory (inserting a few thousand rows: about a second at 1M x 512),
 * instead of every small write reading and rewriting the whole graph (2 GB there).
 */
export const UNSAVED_CHANGE_LIMIT = 4096;

/** A saved graph a write may leave unread: its sidecar, and the bound below which it holds every stored label. */
export interface SavedCoverage {
  sidecar: IndexSidecar;
  labelsBelow: number;
}

/**
 * Read under the write lock before a write that changes segments: the saved graph's coverage
 * when the write can update its sidecar instead of the graph (recordSegmentChange); undefined
 * when there is no usable graph (none, damaged, of other settings, or covering files that are
 * gone): the write then brings the index up to date itself.
 */
export async function savedCoverage(store: SegmentStore): Promise<SavedCoverage | undefined> {
  const { dimension, index: settings, nextLabel } = store.manifest;
  if (dimension === null || chosenKind(store) !== 'hnsw') return undefined;
  let sidecar: IndexSidecar | undefined;
  try {
    sidecar = (await readSidecar(join(store.dir, INDEX_DIR)))?.sidecar;
  } catch {
    return undefined; // the next read of the graph reports it and rebuilds
  }
  if (
    sidecar === undefined ||
    sidecar.format !== 2 ||
    sidecar.dimension !== dimension ||
    sidecar.M !== settings.M ||
    sidecar.efConstruction !== settings.efConstruction
  )
    return undefined;
  const files = store.fileNames;
  // A graph saved before the bound was recorded holds every label of the files it covers exactly.
  if (sidecar.labelsBelow === undefined)
    return sidecar.fingerprint === fingerprintOf(files) ? { sidecar, labelsBelow: nextLabel } : undefined;
  const present = new Set(files);
  return sidecar.files.every((name) => present.has(name)) ? { sidecar, labelsBelow: sidecar.labelsBelow } : undefined;
}

/**
 * After a write over `base` (savedCoverage, same lock): points the sidecar at the store's files
 * without reading the graph. The files whose labels lie below the bound hold only vectors the
 * graph has (rewrites of files it covered: labels are never reused); the others are added when
 * the graph is read; `removed` labels below the bound are marked deleted then. Returns how many
 * such changes the saved graph now lacks, or undefined when the sidecar could not be updated
 * (the caller then brings the index up to date and saves it).
 */
export async function recordSegmentChange(
  store: SegmentStore,
  base: SavedCoverage,
  removed: readonly number[],
): Promise<number | undefined> {
  const { labelsBelow, sidecar } = base;
  const covered: string[] = [];
  let uncovered = 0;
  for (const entry of store.manifest.segmentFiles) {
    if (entry.maxLabel < labelsBelow) covered.push(entry.name);
    else if (entry.minLabel >= labelsBelow) uncovered += entry.rows;
    else return undefined; // a file across the bound: not a layout this bookkeeping made
  }
  const unmarked = [...new Set([...(sidecar.unmarked ?? []), ...removed.filter((label) => label < labelsBelow)])];
  unmarked.sort((a, b) => a - b);
  try {
    const recorded = await recordCoverage(join(store.dir, INDEX_DIR), sidecar, {
      fingerprint: fingerprintOf(covered),
      files: covered,
      labelsBelow,
      unmarked,
    });
    return recorded ? uncovered + unmarked.length : undefined;
  } catch {
    return undefined; // an unwritable sidecar: the save the caller falls back to warns of it
  }
}

/**
 * The saved sidecar when its graph serves the store's current files, without reading the graph
 * (stats): it covers them all, or some with the rest to be inserted when it is read; undefined
 * when there is none or it is stale or damaged (the next search rebuilds it).
 */
export async function currentSidecar(store: SegmentStore): Promise<IndexSidecar | undefined> {
  let read: Awaited<ReturnType<typeof readSidecar>>;
  try {
    read = await readSidecar(join(store.dir, INDEX_DIR));
  } catch (error) {
    if (error instanceof IndexMismatchError) return undefined;
    throw error;
  }
  const sidecar = read?.sidecar;
  if (sidecar === undefined || sidecar.dimension !== store.manifest.dimension) return undefined;
  if (sidecar.fingerprint === fingerprintOf(store.fileNames)) return sidecar;
  // Rows added since it was saved are inserted when it is read (recordSegmentChange).
  const present = new Set(store.fileNames);
  return sidecar.labelsBelow !== undefined && sidecar.files.every((name) => present.has(name)) ? sidecar : undefined;
}

/** The training queries, or undefined (said once) when there are none to project from. */
async function linkQueries(
  crossModal: CrossModalLinks | undefined,
  options: IndexSyncOptions,
): Promise<Float32Array | undefined> {
  const queries = await crossModal?.queries();
  if (queries !== undefined && queries.length > 0) return queries;
  options.onWarning?.(
    'no cached text, image or audio queries of this library to project cross-modal links from; the graph is saved without them (they are added once queries are cached and the index is rebuilt with --cross-modal-edges)',
  );
  return undefined;
}

function withEf(index: HnswIndex, ef: number): HnswIndex {
  index.ef = ef;
  return index;
}
