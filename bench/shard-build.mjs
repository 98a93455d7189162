// Shards of one vector set built by worker threads (hnswlib-node objects cannot cross
// threads: each worker builds one index, writes it with writeIndex, and the main thread
// reads it back), and a k-NN search over all shards merged by distance.

import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';

if (!isMainThread && workerData?.shardBuild === true) {
  const { buffer, offset, rows, dim, M, efConstruction, path } = workerData;
  const vectors = new Float32Array(buffer, offset * dim * 4, rows * dim);
  const index = new hnswlib.HierarchicalNSW('cosine', dim);
  index.initIndex(rows, M, efConstruction, 100);
  const point = new Array(dim).fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0, at = i * dim; j < dim; j++, at++) point[j] = vectors[at];
    index.addPoint(point, offset + i);
  }
  await index.writeIndex(path);
  parentPort.postMessage('done');
}

/** Builds `shards` indexes over consecutive slices of `vectors`, one worker each; labels are row numbers. */
export async function buildShards(Worker, vectors, dim, { shards, M, efConstruction, dir }) {
  const count = vectors.length / dim;
  const shared = new SharedArrayBuffer(vectors.byteLength);
  new Float32Array(shared).set(vectors);
  const per = Math.ceil(count / shards);
  const started = process.hrtime.bigint();
  const paths = [];
  await Promise.all(
    Array.from({ length: shards }, (_, s) => {
      const offset = s * per;
      const rows = Math.min(per, count - offset);
      const path = join(dir, `shard-${s}.bin`);
      paths.push(path);
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), {
          workerData: { shardBuild: true, buffer: shared, offset, rows, dim, M, efConstruction, path },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const indexes = [];
  for (const path of paths) {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    await index.readIndex(path);
    indexes.push(index);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { indexes, seconds };
}

/** The k nearest over all shards: each shard's top k, merged by distance. */
export function searchShards(indexes, query, k) {
  const all = [];
  for (const index of indexes) {
    const { distances, neighbors } = index.searchKnn(query, k);
    for (let i = 0; i < neighbors.length; i++) all.push([distances[i], neighbors[i]]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return all.slice(0, k).map((pair) => pair[1]);
}
