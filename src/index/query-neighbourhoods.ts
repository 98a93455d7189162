import type { GraphLevel0 } from './graph-level0.js';
import { hnswlibBinding } from './hnswlib-binding.js';

/**
 * Each query's exact `k` nearest live points of the graph (graph point ids, nearest first),
 * `k` per query, flat. hnswlib's brute-force scan does the work: its SIMD inner product is
 * about 6x the JS loop's speed on 1024-d vectors. Vectors are unit length, so inner product
 * ranks as cosine does. A query with fewer than `k` live points to rank is left out.
 */
export function exactNeighbourhoods(graph: GraphLevel0, queries: Float32Array, k: number): Uint32Array {
  const { dimension, count, vectors } = graph;
  const scan = new (hnswlibBinding().hnswlib.BruteforceSearch)('ip', dimension);
  scan.initIndex(Math.max(1, count));
  const row = new Array<number>(dimension).fill(0);
  let live = 0;
  for (let point = 0; point < count; point++) {
    if (graph.isDeleted(point)) continue;
    const at = graph.vectorAt(point);
    for (let j = 0; j < dimension; j++) row[j] = vectors[at + j] as number;
    scan.addPoint(row, point);
    live++;
  }
  const queryCount = Math.floor(queries.length / dimension);
  if (live < k) return new Uint32Array(0);
  const out = new Uint32Array(queryCount * k);
  for (let q = 0; q < queryCount; q++) {
    for (let j = 0; j < dimension; j++) row[j] = queries[q * dimension + j] as number;
    const { distances, neighbors } = scan.searchKnn(row, k);
    const order = neighbors.map((_, i) => i).sort((a, b) => (distances[a] as number) - (distances[b] as number));
    order.forEach((i, rank) => {
      out[q * k + rank] = neighbors[i] as number;
    });
  }
  return out;
}
