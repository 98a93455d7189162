import { InputError } from '../errors.js';
import { ExactIndex, type VectorIndex } from '../index/index.js';
import type { SegmentStore } from '../store/index.js';

/** Stored rows as calibration samples them: a segment file, or all of a PostgreSQL library's rows. */
export interface StoredRows {
  count: number;
  labels: Uint32Array;
  vector(row: number): Float32Array;
}

/**
 * What recall calibration needs of a backend: its HNSW search at a given ef, an exact top k
 * that bypasses the index (the ground truth), and its stored vectors to sample queries from.
 * A folder library answers in memory (hnswlib and an exact scan); a PostgreSQL one in SQL.
 */
export interface RecallProbe {
  /** How the library is named in messages. */
  readonly where: string;
  readonly dimension: number;
  readonly segments: number;
  /** The kind searches use: an exact library already has recall 1. */
  readonly kind: 'hnsw' | 'exact';
  readonly exactBelow: number;
  /** The widest ef the backend searches with (pgvector's hnsw.ef_search limit); Infinity when none. */
  readonly maxEf: number;
  /** What to do when no ef reaches the target (how to build a denser graph of this library). */
  readonly rebuildHint: string;
  searchAt(query: Float32Array, k: number, ef: number): Uint32Array | Promise<Uint32Array>;
  exactTopK(query: Float32Array, k: number): Uint32Array | Promise<Uint32Array>;
  storedRows(): Promise<readonly StoredRows[]>;
}

/** A folder library's probe: its loaded index, and an exact scan of its segment files (read when first needed). */
export function folderRecallProbe(store: SegmentStore, index: VectorIndex | undefined): RecallProbe {
  if (index === undefined || index.size === 0)
    throw new InputError('the library is empty: build or import segments before calibrating recall');
  let files: ReturnType<SegmentStore['allFiles']> | undefined;
  let exact: Promise<ExactIndex> | undefined;
  const storedRows = (): ReturnType<SegmentStore['allFiles']> => {
    files ??= store.allFiles();
    return files;
  };
  const exactIndex = (): Promise<ExactIndex> => {
    exact ??= storedRows().then((loaded) => {
      const scan = new ExactIndex(index.dimension);
      for (const file of loaded) scan.add(file.vectors, file.labels);
      return scan;
    });
    return exact;
  };
  return {
    where: store.dir,
    dimension: index.dimension,
    segments: index.size,
    kind: index.kind,
    exactBelow: store.manifest.index.exactBelow,
    maxEf: Number.POSITIVE_INFINITY,
    rebuildHint: `build a new library with a larger \`index.M\` or \`index.efConstruction\` (such as 32 and 200) from ${store.dir}/segments/*.arrow`,
    searchAt: (query, k, ef) => index.search(query, k, { ef }).labels,
    exactTopK: async (query, k) => (await exactIndex()).search(query, k).labels,
    storedRows,
  };
}
