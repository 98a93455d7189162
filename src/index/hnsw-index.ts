import { availableParallelism } from 'node:os';
import { DEFAULT_EF, DEFAULT_EF_CONSTRUCTION, DEFAULT_M } from '../defaults.js';
import { IndexMismatchError, InputError, VsearchError } from '../errors.js';
import type { CrossModalEdgesRecord } from './cross-modal-edges.js';
import type { Hnswlib, HnswlibExtension } from './hnswlib-binding.js';
import { hnswlibBinding } from './hnswlib-binding.js';
import type { HnswParams, KnnResult, SearchOptions, VectorIndex } from './vector-index.js';
import {
  assertAddBatch,
  assertDimension,
  assertLabel,
  assertQuery,
  emptyResult,
  isValidLabel,
  MAX_LABEL,
} from './vector-index.js';

type NativeIndex = InstanceType<Hnswlib['HierarchicalNSW']> & HnswlibExtension;

/** A new library's (src/defaults.ts says why each). */
export const DEFAULT_HNSW_PARAMS: Readonly<HnswParams> = {
  M: DEFAULT_M,
  efConstruction: DEFAULT_EF_CONSTRUCTION,
  ef: DEFAULT_EF,
};

export interface HnswIndexOptions {
  dimension: number;
  M?: number;
  efConstruction?: number;
  /** Default search breadth, overridable per search. */
  ef?: number;
  /** Initial capacity; the graph grows geometrically past it. */
  capacity?: number;
  /** Seed of the level generator: graphs are reproducible with it when built with one thread. */
  seed?: number;
  /** Threads that insert a batch, where the binding can (default: the cores Node may use). */
  threads?: number;
  /** The hnswlib-node module to use (default: `hnswlibBinding()`, the copy compiled for this CPU when it may run). */
  binding?: Hnswlib;
}

const MIN_CAPACITY = 1024;
const GROWTH = 1.5;

/**
 * HNSW over hnswlib-node (cosine space). Owns the binding's quirks: number[] input,
 * labels truncated to uint32 without a word, capacity grown only by resizeIndex,
 * searchKnn limited by capacity rather than by live count, dimension unchecked on load.
 * Where the binding is the copy compiled at install, its typed-array and multi-threaded
 * methods (HnswlibExtension) replace the number[] ones for plain searches and new labels.
 */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly dimension: number;
  readonly M: number;
  readonly efConstruction: number;
  private defaultEf: number;
  private readonly native: NativeIndex;
  /**
   * Live labels, built from the graph on first need (add, remove, has): opening a saved
   * graph to search it should not walk every label. A graph with deleted labels does walk
   * them on open, to check each deleted label is in it (hnswlib-node has no cheaper check).
   */
  private liveSet: Set<number> | undefined = new Set<number>();
  /** Labels still in the graph but marked deleted. */
  private readonly deleted = new Set<number>();
  private capacity: number;
  private nativeEf = -1;
  /** The binding's point count (live and deleted), kept here: reading it is a native call. */
  private points = 0;
  private saving = false;
  /** Reused for Float32Array -> number[] conversion: the binding copies out of it at once. */
  private readonly scratch: number[];
  private readonly threads: number;
  /** The links projected from training queries this graph holds (persist.ts records and restores it). */
  crossModalEdges: CrossModalEdgesRecord | undefined;

  constructor(options: HnswIndexOptions) {
    const { dimension } = options;
    assertDimension(dimension);
    const M = options.M ?? DEFAULT_HNSW_PARAMS.M;
    const efConstruction = options.efConstruction ?? DEFAULT_HNSW_PARAMS.efConstruction;
    const ef = options.ef ?? DEFAULT_HNSW_PARAMS.ef;
    assertPositiveInt('M', M, 2);
    assertPositiveInt('efConstruction', efConstruction, 1);
    assertPositiveInt('ef', ef, 1);
    const capacity = Math.max(1, options.capacity ?? MIN_CAPACITY);
    assertPositiveInt('capacity', capacity, 1, MAX_LABEL);
    this.dimension = dimension;
    this.M = M;
    this.efConstruction = efConstruction;
    this.defaultEf = ef;
    this.capacity = capacity;
    this.scratch = new Array<number>(dimension).fill(0);
    this.threads = options.threads ?? availableParallelism();
    assertPositiveInt('threads', this.threads, 1, 1024);
    this.native = new (options.binding ?? hnswlibBinding().hnswlib).HierarchicalNSW('cosine', dimension);
    this.native.initIndex(capacity, M, efConstruction, options.seed ?? 100);
  }

  /**
   * Reads a graph written by `writeGraph`. The binding trusts the file's layout, so the
   * caller (persist.ts) must have checked the file's dimension and shape first.
   */
  static async read(
    path: string,
    options: {
      dimension: number;
      M: number;
      efConstruction: number;
      ef?: number;
      deleted: Iterable<number>;
      threads?: number;
      binding?: Hnswlib;
      /** The graph's name in messages, when `path` is not it (a held file's descriptor path). */
      shownAs?: string;
    },
  ): Promise<HnswIndex> {
    const { deleted, shownAs = path, ...shape } = options;
    const index = new HnswIndex({ ...shape, capacity: 1 });
    try {
      await index.native.readIndex(path);
    } catch (error) {
      throw new IndexMismatchError(
        `cannot read the HNSW graph ${shownAs}: ${errorText(error)}; run \`vsearch build\` to rebuild the index`,
        { cause: error },
      );
    }
    index.capacity = index.native.getMaxElements();
    index.points = index.native.getCurrentCount();
    index.liveSet = undefined;
    for (const label of deleted) {
      if (!index.live.delete(label)) {
        throw new IndexMismatchError(
          `the HNSW graph ${shownAs} lacks label ${label} that its sidecar lists as deleted; run \`vsearch build\` to rebuild the index`,
        );
      }
      index.deleted.add(label);
    }
    return index;
  }

  get size(): number {
    return this.liveSet?.size ?? this.points - this.deleted.size;
  }

  private get live(): Set<number> {
    if (this.liveSet === undefined) {
      this.liveSet = new Set(this.native.getIdsList());
      for (const label of this.deleted) this.liveSet.delete(label);
    }
    return this.liveSet;
  }

  /** Default search breadth; `SearchOptions.ef` overrides it per call. */
  get ef(): number {
    return this.defaultEf;
  }

  set ef(value: number) {
    assertPositiveInt('ef', value, 1);
    this.defaultEf = value;
  }

  get params(): HnswParams {
    return { M: this.M, efConstruction: this.efConstruction, ef: this.defaultEf };
  }

  /** Points in the graph, live or marked deleted. */
  get graphCount(): number {
    return this.points;
  }

  /** Most threads a batch insert uses: the `threads` option where the binding inserts in parallel, else 1. */
  get insertThreads(): number {
    return this.native.addPointsFloat32 === undefined ? 1 : this.threads;
  }

  get maxElements(): number {
    return this.capacity;
  }

  /** Labels in the graph that are marked deleted, for the sidecar. */
  deletedLabels(): number[] {
    return [...this.deleted];
  }

  add(vectors: Float32Array, labels: Uint32Array): void {
    this.assertIdle();
    assertAddBatch(this.dimension, vectors, labels, (label) => this.live.has(label));
    let fresh = 0;
    for (let i = 0; i < labels.length; i++) if (!this.deleted.has(labels[i] as number)) fresh++;
    this.reserve(this.points + fresh);
    if (fresh === labels.length && this.native.addPointsFloat32 !== undefined) {
      try {
        this.native.addPointsFloat32(vectors, labels, this.threads);
      } catch (error) {
        // Some rows may be in: count the graph again rather than guess which.
        this.liveSet = undefined;
        this.points = this.native.getCurrentCount();
        throw error;
      }
      for (let i = 0; i < labels.length; i++) this.live.add(labels[i] as number);
      this.points = this.native.getCurrentCount();
      return;
    }
    const dim = this.dimension;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i] as number;
      // A deleted label is revived in place by the binding (unmark + update).
      this.native.addPoint(this.toArray(vectors, i * dim), label);
      this.deleted.delete(label);
      this.live.add(label);
    }
    this.points = this.native.getCurrentCount();
  }

  remove(labels: Iterable<number>): void {
    this.assertIdle();
    const doomed: number[] = [];
    for (const label of labels) {
      assertLabel(label);
      if (this.live.has(label)) doomed.push(label);
    }
    for (const label of doomed) {
      if (!this.live.has(label)) continue; // listed twice
      this.native.markDelete(label);
      this.live.delete(label);
      this.deleted.add(label);
    }
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  search(query: Float32Array, k: number, options: SearchOptions = {}): KnnResult {
    assertQuery(this.dimension, query, k);
    const limit = Math.min(k, this.size);
    if (limit === 0) return emptyResult();
    if (options.ef !== undefined) assertPositiveInt('ef', options.ef, 1);
    const ef = Math.max(options.ef ?? this.defaultEf, limit);
    if (ef !== this.nativeEf) {
      this.native.setEf(ef);
      this.nativeEf = ef;
    }
    if (options.filter === undefined && this.native.searchKnnFloat32Into !== undefined) {
      const labels = new Uint32Array(limit);
      const scores = new Float32Array(limit);
      const n = this.native.searchKnnFloat32Into(query, limit, scores, labels);
      for (let i = 0; i < n; i++) scores[i] = 1 - (scores[i] as number);
      return n === limit ? { labels, scores } : { labels: labels.subarray(0, n), scores: scores.subarray(0, n) };
    }
    const point = this.toArray(query, 0);
    const { distances, neighbors } =
      options.filter === undefined
        ? this.native.searchKnn(point, limit)
        : this.native.searchKnn(point, limit, options.filter);
    const n = neighbors.length;
    const labels = new Uint32Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = neighbors[i] as number;
      scores[i] = 1 - (distances[i] as number);
    }
    return { labels, scores };
  }

  /** The graph's copy of a live label's vector (normalized by the binding when added); undefined for other labels. */
  vectorOf(label: number): Float32Array | undefined {
    if (!isValidLabel(label) || this.deleted.has(label) || (this.liveSet !== undefined && !this.liveSet.has(label)))
      return undefined;
    try {
      return Float32Array.from(this.native.getPoint(label));
    } catch {
      return undefined; // not in the graph
    }
  }

  /**
   * Writes the graph with the binding's native format. Mutations are refused until the
   * write ends: the binding writes from a worker thread while this thread runs on.
   */
  async writeGraph(path: string): Promise<void> {
    this.assertIdle();
    this.saving = true;
    try {
      await this.native.writeIndex(path);
    } finally {
      this.saving = false;
    }
  }

  /**
   * Replaces the graph with the one in `path`, which must be this graph rewritten (same
   * points and labels, other links; checked by the caller): persist.ts adds projected links
   * to the saved file and reads it back, so searches in this process use them too.
   */
  async replaceGraph(path: string): Promise<void> {
    this.assertIdle();
    await this.native.readIndex(path);
    this.nativeEf = -1;
    this.points = this.native.getCurrentCount();
    this.capacity = this.native.getMaxElements();
  }

  private reserve(needed: number): void {
    if (needed <= this.capacity) return;
    if (needed > MAX_LABEL) throw new InputError(`the HNSW index cannot hold more than ${MAX_LABEL} points`);
    const next = Math.min(MAX_LABEL, Math.max(needed, MIN_CAPACITY, Math.ceil(this.capacity * GROWTH)));
    this.native.resizeIndex(next);
    this.capacity = next;
  }

  private toArray(source: Float32Array, offset: number): number[] {
    const out = this.scratch;
    for (let j = 0; j < out.length; j++) out[j] = source[offset + j] as number;
    return out;
  }

  private assertIdle(): void {
    if (this.saving)
      throw new VsearchError('the HNSW index is being saved; wait for the save to finish before changing it');
  }
}

function assertPositiveInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`invalid HNSW ${name} ${String(value)}: must be an integer from ${min} to ${max}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
