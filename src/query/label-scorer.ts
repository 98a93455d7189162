import { VsearchError } from '../errors.js';
import { dotProduct } from '../index/dot-product.js';
import type { LibrarySnapshot } from './library-snapshot.js';
import type { RetrievalIndex } from './retrieval-index.js';

/**
 * Scores labels against a unit query for one search: from the snapshot's stored vectors once
 * loaded, else from the index's own copies (HNSW keeps them), fetched one label at a time and
 * kept for this search only. Searches that score a bounded few labels (several queries,
 * grouping, merging) need not read the whole vector column; exact scans call `load` first.
 */
export class LabelScorer {
  readonly #snapshot: LibrarySnapshot;
  readonly #index: RetrievalIndex | undefined;
  #points: Map<number, Float32Array | undefined> | undefined;
  #columns: readonly Float32Array[] | undefined;

  constructor(snapshot: LibrarySnapshot) {
    this.#snapshot = snapshot;
    this.#index = snapshot.index?.vectorOf === undefined ? undefined : snapshot.index;
    this.#columns = snapshot.loadedVectors();
  }

  /** Whether `dot` can score without `load` (the stored vectors are loaded, or the index has copies). */
  get canScore(): boolean {
    return this.#columns !== undefined || this.#index !== undefined;
  }

  /** Whether the stored vectors are at hand (an exact scan scores every label from them). */
  get loaded(): boolean {
    return this.#columns !== undefined;
  }

  /** Reads the stored vectors (the snapshot's, shared with other searches), once. */
  async load(): Promise<void> {
    this.#columns ??= await this.#snapshot.vectors();
  }

  /** Cosine similarity of a unit query with the label's unit vector; needs `load` first unless `canScore`. */
  dot(query: Float32Array, label: number): number {
    const facts = this.#snapshot.facts;
    const column = this.#columns?.[facts.file[label] as number];
    if (column !== undefined)
      return dotProduct(query, 0, column, (facts.row[label] as number) * facts.dimension, facts.dimension);
    const point = this.#point(label);
    if (point === undefined)
      throw new VsearchError(`the vector of label ${label} is not at hand; call load() before scoring`);
    return dotProduct(query, 0, point, 0, facts.dimension);
  }

  #point(label: number): Float32Array | undefined {
    if (this.#index === undefined) return undefined;
    this.#points ??= new Map();
    if (!this.#points.has(label)) this.#points.set(label, this.#index.vectorOf?.(label));
    return this.#points.get(label);
  }
}
