import { dotProduct } from './dot-product.js';
import type { KnnResult, SearchOptions, VectorIndex } from './vector-index.js';
import { assertAddBatch, assertDimension, assertLabel, assertQuery, emptyResult } from './vector-index.js';

interface Chunk {
  /** Held by reference: the store hands in zero-copy views of Arrow buffers. */
  readonly vectors: Float32Array;
  readonly labels: ArrayLike<number>;
  readonly rows: number;
  /** Global row number of this chunk's first row. */
  readonly start: number;
  /** 1 = removed; allocated on the first removal in this chunk so the scan stays branch-light. */
  dead: Uint8Array | undefined;
}

/**
 * Brute-force cosine search (dot product over unit vectors): the ground truth for
 * recall and the right choice for small libraries. `add` keeps references to the
 * arrays it is given, so callers must not modify them afterwards.
 */
export class ExactIndex implements VectorIndex {
  readonly kind = 'exact' as const;
  readonly dimension: number;
  private readonly chunks: Chunk[] = [];
  /** label -> global row of its live copy. */
  private readonly rowOf = new Map<number, number>();
  private totalRows = 0;

  constructor(dimension: number) {
    assertDimension(dimension);
    this.dimension = dimension;
  }

  get size(): number {
    return this.rowOf.size;
  }

  add(vectors: Float32Array, labels: Uint32Array): void {
    assertAddBatch(this.dimension, vectors, labels, (label) => this.rowOf.has(label));
    const rows = labels.length;
    if (rows === 0) return;
    const start = this.totalRows;
    this.chunks.push({ vectors, labels, rows, start, dead: undefined });
    for (let i = 0; i < rows; i++) this.rowOf.set(labels[i] as number, start + i);
    this.totalRows += rows;
  }

  remove(labels: Iterable<number>): void {
    const rows: number[] = [];
    for (const label of labels) {
      assertLabel(label);
      const row = this.rowOf.get(label);
      if (row !== undefined) rows.push(row);
    }
    for (const row of rows) {
      const chunk = this.chunkOf(row);
      const dead = (chunk.dead ??= new Uint8Array(chunk.rows));
      const local = row - chunk.start;
      dead[local] = 1;
      this.rowOf.delete(chunk.labels[local] as number);
    }
  }

  has(label: number): boolean {
    return this.rowOf.has(label);
  }

  search(query: Float32Array, k: number, options: SearchOptions = {}): KnnResult {
    assertQuery(this.dimension, query, k);
    const limit = Math.min(k, this.size);
    if (limit === 0) return emptyResult();
    const heap = new TopK(limit);
    const filter = options.filter;
    const dim = this.dimension;
    for (const chunk of this.chunks) {
      const { vectors, labels, rows, dead } = chunk;
      for (let r = 0, off = 0; r < rows; r++, off += dim) {
        if (dead !== undefined && dead[r] === 1) continue;
        const score = dotProduct(query, 0, vectors, off, dim);
        const label = labels[r] as number;
        // The filter runs only for rows that would enter the top k: it may be costly.
        if (heap.accepts(score, label) && (filter === undefined || filter(label))) heap.push(score, label);
      }
    }
    return heap.drain();
  }

  private chunkOf(row: number): Chunk {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.chunks[mid] as Chunk).start <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.chunks[lo] as Chunk;
  }
}

/**
 * Bounded min-heap keeping the k best (score desc, then label asc) entries seen;
 * the root is the worst kept entry, so most rows are rejected by one comparison.
 */
class TopK {
  private readonly scores: Float64Array;
  private readonly labels: Float64Array;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.labels = new Float64Array(capacity);
  }

  accepts(score: number, label: number): boolean {
    if (this.count < this.capacity) return true;
    const worst = this.scores[0] as number;
    return score > worst || (score === worst && label < (this.labels[0] as number));
  }

  /** Call only after `accepts` returned true. */
  push(score: number, label: number): void {
    if (this.count < this.capacity) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, label, this.scores[parent] as number, this.labels[parent] as number)) break;
        this.scores[i] = this.scores[parent] as number;
        this.labels[i] = this.labels[parent] as number;
        i = parent;
      }
      this.scores[i] = score;
      this.labels[i] = label;
      return;
    }
    this.siftDown(score, label, this.count);
  }

  /** Entries best first. Empties the heap. */
  drain(): { labels: Uint32Array; scores: Float32Array } {
    const n = this.count;
    const labels = new Uint32Array(n);
    const scores = new Float32Array(n);
    for (let out = n - 1; out >= 0; out--) {
      labels[out] = this.labels[0] as number;
      scores[out] = this.scores[0] as number;
      const last = --this.count;
      this.siftDown(this.scores[last] as number, this.labels[last] as number, last);
    }
    return { labels, scores };
  }

  /** Places (score, label) at the root of a heap of `size` entries and sifts it down. */
  private siftDown(score: number, label: number, size: number): void {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (
        right < size &&
        this.worse(
          this.scores[right] as number,
          this.labels[right] as number,
          this.scores[left] as number,
          this.labels[left] as number,
        )
      ) {
        child = right;
      }
      if (!this.worse(this.scores[child] as number, this.labels[child] as number, score, label)) break;
      this.scores[i] = this.scores[child] as number;
      this.labels[i] = this.labels[child] as number;
      i = child;
    }
    this.scores[i] = score;
    this.labels[i] = label;
  }

  private worse(scoreA: number, labelA: number, scoreB: number, labelB: number): boolean {
    return scoreA < scoreB || (scoreA === scoreB && labelA > labelB);
  }
}
