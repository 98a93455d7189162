// A seeded clustered synthetic library for the speed benchmarks, built once per shape and
// kept (under /tmp by default: never in the repository). Rows go straight into the store in
// files of FILE_ROWS rows; 100 six-second clips per video; the index is built by
// Library.open like any library's.
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syntheticQueries, syntheticVectors } from '../dist/bench/synthetic.js';
import { SegmentStore } from '../dist/store/index.js';
import { openLibrary } from '../dist/vsearch.js';

const FILE_ROWS = 10_000;
const CLIPS_PER_VIDEO = 100;
const CLIP_SEC = 6;
export const FIXTURE_MODEL = 'Marengo-retrieval-2.7';

export function fixtureShape({ count, dim, seed = 1 }) {
  return { count, dimension: dim, seed, clusters: 64 };
}

/** The library dir for a shape; built when absent. Returns its path. */
export async function ensureFixture({
  count,
  dim,
  efConstruction,
  root = '/tmp/vsearch-bench-fixtures',
  seed = 1,
  log = () => {},
}) {
  const dir = join(root, `lib-${count}x${dim}-efc${efConstruction}-s${seed}`);
  try {
    await access(join(dir, 'index', 'sidecar.json'));
    return dir;
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
  log(`building fixture library ${dir} ...`);
  const vectors = syntheticVectors(fixtureShape({ count, dim, seed }));
  const store = await SegmentStore.open(dir, { create: true, index: { kind: 'hnsw', efConstruction } });
  for (let first = 0; first < count; first += FILE_ROWS) {
    const n = Math.min(FILE_ROWS, count - first);
    const strings = (make) => Array.from({ length: n }, (_, i) => make(first + i));
    const videoOf = (i) => `video-${String(Math.floor(i / CLIPS_PER_VIDEO)).padStart(6, '0')}`;
    await store.append(
      {
        count: n,
        dimension: dim,
        vectors: vectors.subarray(first * dim, (first + n) * dim),
        videoId: strings(videoOf),
        source: strings((i) => `${videoOf(i)}.mp4`),
        contentSha256: strings((i) => videoOf(i)),
        modality: strings(() => 'video'),
        embeddingOption: strings((i) => (i % 2 === 0 ? 'visual-text' : 'audio')),
        embeddingScope: strings(() => 'clip'),
        startSec: Float64Array.from({ length: n }, (_, i) => ((first + i) % CLIPS_PER_VIDEO) * CLIP_SEC),
        endSec: Float64Array.from({ length: n }, (_, i) => (((first + i) % CLIPS_PER_VIDEO) + 1) * CLIP_SEC),
        modelName: strings(() => FIXTURE_MODEL),
        metadata: strings((i) => JSON.stringify({ shard: Math.floor(i / CLIPS_PER_VIDEO) % 4 })),
      },
      FIXTURE_MODEL,
    );
  }
  const started = Date.now();
  const lib = await openLibrary(dir);
  // Opening reads no graph: the first search builds it and saves it beside the sidecar.
  await lib.search({ vector: vectors.subarray(0, dim) });
  await lib.close();
  log(`fixture index built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Seeded query vectors from the fixture's clusters. */
export function fixtureQueries({ dim, seed = 1 }, queries) {
  return syntheticQueries({ ...fixtureShape({ count: queries, dim, seed }) });
}
