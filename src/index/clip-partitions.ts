import { dotProduct } from './dot-product.js';
import { type Hnswlib, hnswlibBinding } from './hnswlib-binding.js';
import type { KnnResult } from './vector-index.js';

type BruteForce = InstanceType<Hnswlib['BruteforceSearch']>;

/** Most consecutive clips one partition holds: 16 clips of 6 s are about a scene and a half. */
const MAX_PARTITION_CLIPS = 16;

const PROBE_GROWTH = 0.65;

/**
 * Partitions probed for a top 10 by default: 32 at 20k segments, growing as the size to the
 * power 0.65, doubled at 256-d and below. On the cross-modal generator text-like queries (across
 * the modality gap) needed more partitions as the library grew and as the dimension fell:
 * recall@10 0.992 at 32 on 20k x 512, 0.987 at 64 and 0.997 at 128 on 100k x 512, 0.9975 at 32
 * on 200k x 1024, 0.984 at 256 and 0.995 at 512 on 1M x 512, 0.987 at 64 on 20k x 256 (0.949 at
 * 32). This gives 91 at 100k, 143 at 200k and 407 at 1M (bench/probes/xmodal-partitions.mjs;
 * bench/results/xmodal-partitions.md).
 */
export function defaultPartitionProbes(segments: number, dimension: number): number {
  const grown = Math.max(1, segments / 20_000) ** PROBE_GROWTH;
  return Math.round(32 * grown * (dimension <= 256 ? 2 : 1));
}

/** Where each label's unit vector lives: `columns[file[label]]` from `row[label] * dimension`. */
export interface PartitionVectors {
  readonly dimension: number;
  readonly columns: readonly Float32Array[];
  readonly file: Int32Array;
  readonly row: Uint32Array;
}

/**
 * Splits each run of labels (a video's labels of one embedding option, in start order) into
 * partitions of at most `maxClips` consecutive labels, as even as the run allows.
 */
export function consecutiveRuns(runs: readonly Uint32Array[], maxClips = MAX_PARTITION_CLIPS): Uint32Array[] {
  const partitions: Uint32Array[] = [];
  for (const run of runs) {
    const parts = Math.ceil(run.length / maxClips);
    for (let p = 0; p < parts; p++)
      partitions.push(run.subarray(Math.floor((run.length * p) / parts), Math.floor((run.length * (p + 1)) / parts)));
  }
  return partitions;
}

/**
 * A two-level search over partitions of consecutive clips: every partition's centroid (the
 * normalized sum of its clips) is scored with hnswlib's brute force, then every clip of the
 * best partitions is scored exactly. A text query's best clips sit in a few partitions of the
 * videos it describes, which the centroids find, where an HNSW graph of clips must be walked
 * far to reach them (README "Partition search"). Built in memory from the stored vectors.
 */
export class ClipPartitions {
  readonly #members: readonly Uint32Array[];
  readonly #vectors: PartitionVectors;
  readonly #centroids: BruteForce;
  readonly #query: number[];

  private constructor(members: readonly Uint32Array[], vectors: PartitionVectors, centroids: BruteForce) {
    this.#members = members;
    this.#vectors = vectors;
    this.#centroids = centroids;
    this.#query = new Array<number>(vectors.dimension);
  }

  /** Partitions of `members` (non-empty label lists), their centroids from `vectors`. */
  static build(members: readonly Uint32Array[], vectors: PartitionVectors): ClipPartitions {
    const { dimension } = vectors;
    const centroids = new (hnswlibBinding().hnswlib.BruteforceSearch)('ip', dimension);
    centroids.initIndex(Math.max(1, members.length));
    const sum = new Float64Array(dimension);
    const point = new Array<number>(dimension);
    members.forEach((labels, partition) => {
      sum.fill(0);
      for (const label of labels) {
        const column = vectors.columns[vectors.file[label] as number] as Float32Array;
        const offset = (vectors.row[label] as number) * dimension;
        for (let j = 0; j < dimension; j++) sum[j] = (sum[j] as number) + (column[offset + j] as number);
      }
      let norm = 0;
      for (let j = 0; j < dimension; j++) norm += (sum[j] as number) ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let j = 0; j < dimension; j++) point[j] = (sum[j] as number) * scale;
      centroids.addPoint(point, partition);
    });
    return new ClipPartitions(members, vectors, centroids);
  }

  get partitions(): number {
    return this.#members.length;
  }

  /**
   * The best k labels of the `probes` partitions whose centroids score best, scored exactly,
   * best first. With `isAvailable`, only labels it accepts; while fewer than k are found, twice
   * as many partitions are probed, up to all of them (then the answer is exact).
   */
  search(query: Float32Array, k: number, probes: number, isAvailable?: (label: number) => boolean): KnnResult {
    const { dimension } = this.#vectors;
    for (let j = 0; j < dimension; j++) this.#query[j] = query[j] as number;
    const total = this.#members.length;
    let wanted = Math.min(total, Math.max(1, probes));
    for (;;) {
      const probed = this.#centroids.searchKnn(this.#query, wanted).neighbors;
      const found = this.#score(query, probed, isAvailable);
      if (found.labels.length >= k || wanted >= total) return top(found, k);
      wanted = Math.min(total, wanted * 2);
    }
  }

  #score(query: Float32Array, probed: readonly number[], isAvailable?: (label: number) => boolean): KnnResult {
    const { dimension, columns, file, row } = this.#vectors;
    let size = 0;
    for (const partition of probed) size += (this.#members[partition] as Uint32Array).length;
    const labels = new Uint32Array(size);
    const scores = new Float32Array(size);
    let n = 0;
    for (const partition of probed) {
      for (const label of this.#members[partition] as Uint32Array) {
        if (isAvailable !== undefined && !isAvailable(label)) continue;
        const column = columns[file[label] as number] as Float32Array;
        labels[n] = label;
        scores[n] = dotProduct(query, 0, column, (row[label] as number) * dimension, dimension);
        n++;
      }
    }
    return { labels: labels.subarray(0, n), scores: scores.subarray(0, n) };
  }
}

function top(found: KnnResult, k: number): KnnResult {
  const order = Array.from(found.labels.keys()).sort(
    (a, b) =>
      (found.scores[b] as number) - (found.scores[a] as number) ||
      (found.labels[a] as number) - (found.labels[b] as number),
  );
  const kept = order.slice(0, k);
  return {
    labels: Uint32Array.from(kept, (i) => found.labels[i] as number),
    scores: Float32Array.from(kept, (i) => found.scores[i] as number),
  };
}
