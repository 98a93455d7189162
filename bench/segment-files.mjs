// Write and open time of one large append as segment files split by the default cap
// (DEFAULT_SEGMENT_FILE_ROWS) against the same rows written as one file (the layout before the
// cap), at the store level: append = encode + write + fsync + commit; open = SegmentStore.open
// and reading every file back (size check, sha256, Arrow decode). Seeded unit vectors, one run
// per layout in a fresh temp library, each in its own child process so neither warms the other.
//   npm run build && node bench/segment-files.mjs --count 200000 --dim 512
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    dim: { type: 'string', default: '512' },
    layout: { type: 'string' },
    dir: { type: 'string' },
  },
});
const COUNT = Number(args.count);
const DIM = Number(args.dim);

if (args.layout === undefined) {
  const results = {};
  for (const layout of ['split', 'one-file']) {
    const dir = await mkdtemp(join(tmpdir(), 'vsearch-segfiles-'));
    try {
      const out = execFileSync(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          '--count',
          String(COUNT),
          '--dim',
          String(DIM),
          '--layout',
          layout,
          '--dir',
          dir,
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      results[layout] = JSON.parse(out);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(JSON.stringify({ count: COUNT, dim: DIM, runs: 1, date: new Date().toISOString(), results }, null, 2));
} else {
  const { SegmentStore, DEFAULT_SEGMENT_FILE_ROWS } = await import('../dist/store/index.js');
  const rows = seededRows(COUNT, DIM);
  const cap =
    args.layout === 'split'
      ? {}
      : { segmentFileRows: Number.MAX_SAFE_INTEGER, segmentFileBytes: Number.MAX_SAFE_INTEGER };
  const dir = join(args.dir, 'lib');
  let started = performance.now();
  const store = await SegmentStore.open(dir, { create: true, ...cap });
  await store.append(rows, 'bench-model');
  const writeMs = performance.now() - started;
  started = performance.now();
  const reopened = await SegmentStore.open(dir, cap);
  const files = await reopened.allFiles();
  const openMs = performance.now() - started;
  const entries = reopened.manifest.segmentFiles;
  console.log(
    JSON.stringify({
      layout: args.layout,
      cap: args.layout === 'split' ? DEFAULT_SEGMENT_FILE_ROWS : null,
      files: entries.length,
      largestFileBytes: Math.max(...entries.map((entry) => entry.bytes)),
      rowsRead: files.reduce((sum, file) => sum + file.count, 0),
      writeMs: Math.round(writeMs),
      openAndReadMs: Math.round(openMs),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
}

function seededRows(count, dim) {
  const vectors = new Float32Array(count * dim);
  let state = 12345;
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      state = (state * 1103515245 + 12345) >>> 0;
      const value = state / 0xffffffff - 0.5;
      vectors[i * dim + j] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let j = 0; j < dim; j++) vectors[i * dim + j] *= scale;
  }
  const column = (make) => Array.from({ length: count }, (_, i) => make(i));
  const videoId = column((i) => `video-${Math.floor(i / 10)}`);
  return {
    count,
    dimension: dim,
    vectors,
    videoId,
    source: column((i) => `${videoId[i]}.mp4`),
    contentSha256: column(() => 'a'.repeat(64)),
    modality: column(() => 'video'),
    embeddingOption: column(() => 'visual'),
    embeddingScope: column(() => 'clip'),
    startSec: Float64Array.from({ length: count }, (_, i) => (i % 10) * 6),
    endSec: Float64Array.from({ length: count }, (_, i) => (i % 10) * 6 + 6),
    modelName: column(() => 'bench-model'),
    metadata: column((i) => JSON.stringify({ clip: i % 10 })),
  };
}
