// The cost of one write at scale (issue 16 part 2): a library of --count segments (--clips per
// video, seeded --dim vectors, built once through SegmentStore.append in batches), then one
// import of a video, one removal of a video and one setting change (replaceIndexSettings, what
// setSearchEf does), each timed, with the bytes of the files it created or replaced (manifest,
// facts, segment files). --dist names the build to measure (default this checkout's dist/), so
// the same script measures the code before a change: build that commit into its own folder.
//   npm run build && nice node bench/write-cost.mjs --count 1000000 --dim 64
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    dim: { type: 'string', default: '64' },
    clips: { type: 'string', default: '10' },
    dist: { type: 'string', default: 'dist' },
    label: { type: 'string', default: 'after' },
    out: { type: 'string', default: '' },
  },
});
const COUNT = Number(args.count);
const DIM = Number(args.dim);
const CLIPS = Number(args.clips);
const { SegmentStore, SegmentRowsBuilder } = await import(pathToFileURL(resolve(args.dist, 'store', 'index.js')).href);
const dir = await mkdtemp(join(tmpdir(), 'vsearch-write-cost-'));

let seed = 7;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
function videos(from, count) {
  const builder = new SegmentRowsBuilder();
  for (let v = from; v < from + count; v++) {
    for (let c = 0; c < CLIPS; c++) {
      const vector = Array.from({ length: DIM }, next);
      builder.add(
        {
          videoId: `v${v}`,
          vector,
          startSec: c * 6,
          endSec: c * 6 + 6,
          source: `v${v}.mp4`,
          contentSha256: '',
          modality: 'video',
          embeddingOption: 'visual',
          embeddingScope: 'clip',
          modelName: 'bench',
          metadata: {},
        },
        { file: 'bench' },
      );
    }
  }
  return builder.build();
}

async function files() {
  const found = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    found.set(relative(dir, path), { ino: info.ino, size: info.size });
  }
  return found;
}

async function measure(name, write) {
  const before = await files();
  const started = process.hrtime.bigint();
  await write();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const written = { manifest: 0, facts: 0, segments: 0 };
  for (const [path, file] of await files()) {
    if (before.get(path)?.ino === file.ino) continue;
    if (path === 'manifest.json') written.manifest += file.size;
    else if (path.startsWith('facts/')) written.facts += file.size;
    else if (path.startsWith('segments/')) written.segments += file.size;
  }
  process.stderr.write(
    `${name}: ${ms.toFixed(0)} ms, wrote manifest ${written.manifest} B, facts ${written.facts} B, segments ${written.segments} B\n`,
  );
  return { name, ms, written };
}

try {
  const perVideo = COUNT / CLIPS;
  const store = await SegmentStore.open(dir, { create: true });
  const started = Date.now();
  const batchVideos = Math.floor(65536 / CLIPS);
  for (let v = 0; v < perVideo; v += batchVideos)
    await store.append(videos(v, Math.min(batchVideos, perVideo - v)), 'bench');
  process.stderr.write(
    `built ${COUNT} x ${DIM} (${perVideo} videos) in ${((Date.now() - started) / 1000).toFixed(0)} s; manifest.json ${(await stat(join(dir, 'manifest.json'))).size} B\n`,
  );
  const opened = await SegmentStore.open(dir);
  const results = [
    await measure('import one video', () => opened.append(videos(perVideo, 1), 'bench')),
    await measure('rm one video', () => opened.removeVideo(`v${Math.floor(perVideo / 2)}`)),
    await measure('setSearchEf', () =>
      opened.replaceIndexSettings({ ...opened.manifest.index, ef: 123, efFixed: true }),
    ),
  ];
  const report = {
    bench: 'write-cost',
    label: args.label,
    count: COUNT,
    dim: DIM,
    clips: CLIPS,
    manifestBytes: (await stat(join(dir, 'manifest.json'))).size,
    results,
  };
  if (args.out !== '') {
    await mkdir('bench/results', { recursive: true });
    await writeFile(args.out, `${JSON.stringify(report, null, 2)}\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
