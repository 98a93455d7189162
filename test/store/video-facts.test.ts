import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, type SegmentRows, SegmentRowsBuilder, SegmentStore } from '../../src/store/index.js';
import { factsView, totalDuration, type VideoFact } from '../../src/store/video-facts.js';
import { loadManifestWithFacts } from '../../src/store/video-facts-load.js';
import { MAX_DELTAS, VIDEO_FACTS_DIR } from '../../src/store/video-facts-store.js';
import { testVector } from '../helpers/segments.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** `count` videos of one 4-d segment each, named v0, v1, ... from `from`. */
function tinyVideos(from: number, count: number): SegmentRows {
  const builder = new SegmentRowsBuilder();
  for (let i = from; i < from + count; i++) {
    builder.add(
      {
        videoId: `v${i}`,
        vector: testVector(4, i + 1),
        startSec: 0,
        endSec: 6,
        source: '',
        contentSha256: '',
        modality: 'video',
        embeddingOption: 'visual',
        embeddingScope: 'clip',
        modelName: 'm',
        metadata: {},
      },
      { file: 'test' },
    );
  }
  return builder.build();
}

/** Every file under `dir` by path, with its inode and size: a file written anew (atomic rename) gets a new inode. */
async function filesUnder(dir: string): Promise<Map<string, { ino: number; size: number }>> {
  const found = new Map<string, { ino: number; size: number }>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    found.set(relative(dir, path), { ino: info.ino, size: info.size });
  }
  return found;
}

/** Bytes of the files that `write` created or replaced, by kind (manifest, facts, segments). */
async function bytesWrittenBy(
  dir: string,
  write: () => Promise<unknown>,
): Promise<{ manifest: number; facts: number; segments: number }> {
  const before = await filesUnder(dir);
  await write();
  const after = await filesUnder(dir);
  const written = { manifest: 0, facts: 0, segments: 0 };
  for (const [path, file] of after) {
    if (before.get(path)?.ino === file.ino) continue;
    if (path === MANIFEST_FILE) written.manifest += file.size;
    else if (path.startsWith(`${VIDEO_FACTS_DIR}/`)) written.facts += file.size;
    else if (path.startsWith('segments/')) written.segments += file.size;
  }
  return written;
}

describe('the video-facts table', () => {
  it('does not rewrite per-video data a write did not change, at 100k videos', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true, segmentFileRows: 5000 });
    await store.append(tinyVideos(0, 100_000), 'm');
    const base =
      (await filesUnder(dir)).get(join(VIDEO_FACTS_DIR, store.manifest.videoFacts?.files[0]?.name ?? '-'))?.size ?? 0;
    // The base holds all 100k videos; every write below must cost a small fraction of it.
    expect(base).toBeGreaterThan(1_000_000);

    const importOne = await bytesWrittenBy(dir, () => store.append(tinyVideos(100_000, 1), 'm'));
    const removeOne = await bytesWrittenBy(dir, () => store.removeVideo('v5'));
    const setting = await bytesWrittenBy(dir, () =>
      store.replaceIndexSettings({ ...store.manifest.index, ef: 99, efFixed: true }),
    );
    for (const written of [importOne, removeOne, setting]) {
      expect(written.manifest).toBeLessThan(64 * 1024);
      expect(written.facts).toBeLessThan(base / 100);
    }
    expect(setting).toEqual({ manifest: expect.any(Number), facts: 0, segments: 0 });

    const reopened = await SegmentStore.open(dir);
    expect(reopened.manifest.counts).toEqual({ segments: 100_000, videos: 100_000 });
    expect(reopened.manifest.videos['v100000']).toMatchObject({ segments: 1, durationSec: 6 });
    expect(reopened.manifest.videos['v5']).toBeUndefined();
    expect(reopened.manifest.index.ef).toBe(99);
    const onDisk = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    expect(onDisk['videos']).toBeUndefined();
  }, 120_000);

  it('compacts the deltas into a new base once they pile up, keeping every fact', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true, retiredGraceMs: 0 });
    await store.append(rowsOf({ a: 2 }), 'm', { contents: { 'key-a': 'a' } });
    for (let i = 0; i < MAX_DELTAS; i++) await store.append(rowsOf({ [`b${i}`]: 1 }, 8, i + 2), 'm');
    const files = store.manifest.videoFacts?.files ?? [];
    expect(files.map((file) => file.kind)).toEqual(['base']);
    const reopened = await SegmentStore.open(dir);
    expect(reopened.manifest.counts.videos).toBe(MAX_DELTAS + 1);
    expect(reopened.manifest.contents).toEqual({ 'key-a': 'a' });
    // Deltas and the old base leave the disk (grace 0) on the write after the compaction.
    await store.replaceIndexSettings({ ...store.manifest.index, ef: 70 });
    expect((await readdir(join(dir, VIDEO_FACTS_DIR))).filter((name) => !name.startsWith('.'))).toEqual([
      files[0]?.name,
    ]);
  });

  it('sums the durations in the order the manifest view lists its videos, to the last bit', () => {
    // Ids that are array indices come first in a view, ascending: 1 + 1 + 1e16 is exact, 1e16 + 1 + 1 is not.
    const durations: [string, number][] = [
      ['b', 1e16],
      ['10', 1],
      ['a', 0.1],
      ['2', 1],
      ['007', 0.2],
      ['4294967295', 0.3],
    ];
    const facts = new Map<string, VideoFact>(
      durations.map(([id, durationSec]) => [id, { segments: 1, durationSec, imports: [], contents: [] }]),
    );
    const viewSum = Object.values(factsView(facts, {}).videos).reduce((sum, video) => sum + video.durationSec, 0);
    expect(totalDuration(facts)).toBe(viewSum);
    expect(totalDuration(facts)).not.toBe(durations.reduce((sum, [, seconds]) => sum + seconds, 0));
  });

  it("builds a manifest's per-video view on first read, shared by a re-read of the same generation; a spread sees it", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 3, b: 2 }), 'm', { contents: { 'key-b': 'b' } });
    const first = await loadManifestWithFacts(dir);
    const again = await loadManifestWithFacts(dir, { known: first });
    const expected = { a: { segments: 3, durationSec: 18 }, b: { segments: 2, durationSec: 12 } };
    expect(again.manifest.videos).toMatchObject(expected);
    expect(again.manifest.videos).toBe(first.manifest.videos);
    expect({ ...again.manifest }.contents).toEqual({ 'key-b': 'b' });
    // A write after a re-read that never built the view still sees every video.
    const writer = await SegmentStore.open(dir);
    await writer.append(rowsOf({ c: 1 }, 8, 9), 'm');
    expect(Object.keys(writer.manifest.videos).sort()).toEqual(['a', 'b', 'c']);
    expect(writer.manifest.counts.videos).toBe(3);
  });

  it('opens a library of the old layout (videos in manifest.json) and converts it on its next write', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 3, b: 2 }), 'm', {
      contents: { 'key-b': 'b' },
      imports: { sha1: { file: 'x.jsonl', segments: 5, videos: ['a', 'b'], importedAt: '2026-01-01T00:00:00.000Z' } },
    });
    // The same library as the layout before the video-facts table wrote it.
    const current = store.manifest;
    const { videoFacts: _facts, ...legacy } = current;
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(legacy));

    const old = await SegmentStore.open(dir);
    expect(old.manifest.videos).toMatchObject({
      a: { segments: 3, durationSec: 18 },
      b: { segments: 2, durationSec: 12 },
    });
    expect(old.manifest.imports['sha1']?.videos.sort()).toEqual(['a', 'b']);
    await old.removeVideo('a');

    const onDisk = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    expect(onDisk['videos']).toBeUndefined();
    expect(onDisk['contents']).toBeUndefined();
    const converted = await SegmentStore.open(dir);
    expect(converted.manifest.videos).toEqual({ b: { segments: 2, durationSec: 12 } });
    expect(converted.manifest.contents).toEqual({ 'key-b': 'b' });
    // The import brought `a`, which is gone: its record leaves, so importing the file again works.
    expect(converted.manifest.imports).toEqual({});
    expect(converted.videoFactsProblem).toBeUndefined();
  });

  it('rebuilds a damaged or missing table from the segment files on open, and stores it on the next write', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 3, b: 2 }), 'm');
    await store.append(rowsOf({ c: 1 }, 8, 2), 'm');
    const delta = store.manifest.videoFacts?.files[1]?.name ?? '-';
    const path = join(dir, VIDEO_FACTS_DIR, delta);
    const bytes = await readFile(path);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await writeFile(path, bytes);

    const damaged = await SegmentStore.open(dir);
    expect(damaged.videoFactsProblem).toMatch(/video facts file .* does not match its size and sha256/);
    expect(damaged.manifest.videos).toEqual({
      a: { segments: 3, durationSec: 18 },
      b: { segments: 2, durationSec: 12 },
      c: { segments: 1, durationSec: 6 },
    });
    await damaged.rewriteVideoFacts();
    const healed = await SegmentStore.open(dir);
    expect(healed.videoFactsProblem).toBeUndefined();
    expect(healed.manifest.videoFacts?.files.map((file) => file.kind)).toEqual(['base']);
    expect(healed.manifest.counts).toEqual({ segments: 6, videos: 3 });
  });

  it("keeps each video's media facts and times across reopens and compaction; a metadata rewrite moves only updatedAt", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    const media = { fps: 25, width: 1280, height: 720, sizeBytes: 1055728 };
    await store.append(rowsOf({ a: 2, b: 1 }), 'm', { media: { a: media } });
    const first = store.manifest.videos['a'];
    expect(first).toMatchObject({ media, createdAt: expect.any(String), updatedAt: first?.createdAt });
    expect(store.manifest.videos['b']?.media).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 5)); // two ISO stamps a few ms apart
    await store.rewriteMetadata('a', () => '{"reviewed":true}');
    const after = (await SegmentStore.open(dir)).manifest.videos['a'];
    expect(after).toMatchObject({ media, createdAt: first?.createdAt });
    expect(Date.parse(after?.updatedAt ?? '')).toBeGreaterThan(Date.parse(first?.createdAt ?? ''));
    // Appends until the deltas are compacted into a new base.
    for (let i = 0; i < MAX_DELTAS && (store.manifest.videoFacts?.files.length ?? 0) !== 1; i++)
      await store.append(rowsOf({ [`c${i}`]: 1 }, 8, i + 2), 'm');
    expect(store.manifest.videoFacts?.files.map((file) => file.kind)).toEqual(['base']);
    expect((await SegmentStore.open(dir)).manifest.videos['a']).toEqual(after);
  });

  it('opens a facts table written before media facts and times were kept: those fields are absent, not invented', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 2 }), 'm', { media: { a: { fps: 25 } } });
    const { tableFromIPC, tableToIPC } = await import('apache-arrow');
    const manifestPath = join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      videoFacts: { files: { name: string; bytes: number; sha256: string }[] };
    };
    const entry = manifest.videoFacts.files[0];
    if (entry === undefined) throw new Error('no facts file');
    const path = join(dir, VIDEO_FACTS_DIR, entry.name);
    const table = tableFromIPC(await readFile(path));
    const old = tableToIPC(
      table.select(['video_id', 'segments', 'duration_sec', 'imports', 'contents', 'removed']),
      'file',
    );
    await writeFile(path, old);
    entry.bytes = old.byteLength;
    entry.sha256 = createHash('sha256').update(old).digest('hex');
    await writeFile(manifestPath, JSON.stringify(manifest));
    const reopened = await SegmentStore.open(dir);
    expect(reopened.videoFactsProblem).toBeUndefined();
    expect(reopened.manifest.videos['a']).toEqual({ segments: 2, durationSec: 12 });
  });
});
