import { totalmem } from 'node:os';

/** What a library's search needs in memory: its vectors, and the HNSW graph over them. */
export interface MemoryNeeds {
  /** The vectors as the store holds them: float32, dimension x 4 bytes each. */
  vectors_bytes: number;
  /** The HNSW graph as hnswlib holds it (which stores its own copy of each vector with its links); 0 below the HNSW threshold. */
  graph_bytes: number;
  /** This machine's memory (os.totalmem). */
  machine_bytes: number;
}

/**
 * Bytes hnswlib keeps per element besides its copy of the vector, at `M`: the level-0 links
 * (2M ids + a count), the label, the upper levels' links (M ids + a count, on 1/(M-1) of a level
 * on average), and per-element bookkeeping (a level, a links pointer, a mutex, a label-map entry),
 * with allocator slack: bench/capacity.mjs measured a built graph's RSS at 556 bytes per element
 * over its vector copy at 512-d and 630 at 1024-d (M 16, 30k elements), so about 450 besides the links.
 */
function graphOverheadBytes(M: number): number {
  const level0 = (2 * M + 1) * 4 + 8;
  const upper = ((M + 1) * 4) / Math.max(1, M - 1);
  return level0 + upper + BOOKKEEPING_BYTES;
}
const BOOKKEEPING_BYTES = 450;

export function memoryNeeds(segments: number, dimension: number, M: number, hnsw: boolean): MemoryNeeds {
  const vector = dimension * 4;
  return {
    vectors_bytes: segments * vector,
    graph_bytes: hnsw ? Math.round(segments * (vector + graphOverheadBytes(M))) : 0,
    machine_bytes: totalmem(),
  };
}

/** Past this share of the machine's memory, a library is said to outgrow it (the OS, Node and other work need the rest). */
const MEMORY_SHARE = 0.6;

/**
 * A warning when a library of `segments` would need more than MEMORY_SHARE of this machine's
 * memory for its vectors and graph; undefined when it fits.
 */
export function outgrowsMemoryWarning(segments: number, dimension: number, M: number): string | undefined {
  const needs = memoryNeeds(segments, dimension, M, true);
  const total = needs.vectors_bytes + needs.graph_bytes;
  if (total <= needs.machine_bytes * MEMORY_SHARE) return undefined;
  const gb = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return (
    `this library of ${segments} segments (${dimension}-d) needs about ${gb(total)} of memory to search ` +
    `(${gb(needs.vectors_bytes)} of vectors and ${gb(needs.graph_bytes)} of HNSW graph), more than ${Math.round(MEMORY_SHARE * 100)}% of this machine's ${gb(needs.machine_bytes)}: ` +
    'searches will page or fail. Move it to PostgreSQL with pgvector (`vsearch sync --from DIR --to postgres://USER@HOST/DB?library=NAME`, then `--lib postgres://...`), split it into several libraries, or use a machine with more memory'
  );
}

/** Warns (through `onWarning`) when the library as `manifest` describes it outgrows this machine's memory. */
export function warnIfOutgrowing(
  manifest: { counts: { segments: number }; dimension: number | null; index: { M: number } },
  onWarning: ((message: string) => void) | undefined,
): void {
  if (manifest.dimension === null) return;
  const warning = outgrowsMemoryWarning(manifest.counts.segments, manifest.dimension, manifest.index.M);
  if (warning !== undefined) onWarning?.(warning);
}
