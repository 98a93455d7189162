import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { DEFAULT_SEGMENT_FILE_ROWS, SEGMENTS_DIR, SegmentStore } from '../../src/store/index.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function arrowFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, SEGMENTS_DIR))).filter((name) => name.endsWith('.arrow')).sort();
}

describe('bounded segment files', () => {
  it('splits an append larger than the row cap into files under it, committed in one manifest write', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true, segmentFileRows: 1000 });
    const rows = rowsOf({ a: 2000, b: 2500 });
    const labels = await store.append(rows, 'marengo3.0');
    expect([...labels.subarray(0, 3)]).toEqual([0, 1, 2]);
    expect(labels[4499]).toBe(4499);

    const reopened = await SegmentStore.open(dir);
    const { manifest } = reopened;
    expect(manifest.generation).toBe(1);
    expect(manifest.segmentFiles.map((entry) => entry.rows)).toEqual([1000, 1000, 1000, 1000, 500]);
    expect(manifest.segmentFiles.map((entry) => [entry.minLabel, entry.maxLabel])).toEqual([
      [0, 999],
      [1000, 1999],
      [2000, 2999],
      [3000, 3999],
      [4000, 4499],
    ]);
    expect(await arrowFiles(dir)).toEqual([...reopened.fileNames].sort());
    expect(manifest.counts).toEqual({ segments: 4500, videos: 2 });
    expect(manifest.videos['b']).toMatchObject({ segments: 2500, durationSec: 2500 * 6 });

    const files = await reopened.allFiles();
    const vectors = new Float32Array(files.reduce((sum, file) => sum + file.vectors.length, 0));
    let at = 0;
    for (const file of files) {
      vectors.set(file.vectors, at);
      at += file.vectors.length;
    }
    expect(vectors).toEqual(rows.vectors);
    expect(files.map((file) => file.string('video_id', 0))).toEqual(['a', 'a', 'b', 'b', 'b']);
    expect(files[4]?.string('metadata', 499)).toBe(JSON.stringify({ clip: 2499 }));
  });

  it('splits by the byte cap too, and a row larger than the cap still gets a file of its own', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true, segmentFileBytes: 1 });
    await store.append(rowsOf({ a: 3, b: 2 }), 'marengo3.0');
    expect(store.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([1, 1, 1, 1, 1]);

    // A row here: 32 bytes of vector, 4 of label, 16 of times, 8 string offsets of 4, and 44 bytes of
    // strings ('a', 'a.mp4', 'abc', 'video', 'visual', 'clip', 'marengo3.0', '{"clip":N}'): 128.
    const rowBytes = 32 + 4 + 16 + 8 * 4 + (1 + 5 + 3 + 5 + 6 + 4 + 10 + 10);
    const three = await SegmentStore.open(await tempDir(), { create: true, segmentFileBytes: 3 * rowBytes });
    await three.append(rowsOf({ a: 7 }), 'marengo3.0');
    expect(three.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([3, 3, 1]);
  });

  it('keeps files within the cap when removeVideo rewrites a file written before the cap', async () => {
    const dir = await tempDir();
    const old = await SegmentStore.open(dir, { create: true, segmentFileRows: 100_000 });
    await old.append(rowsOf({ a: 450, gone: 50 }), 'marengo3.0');
    expect(old.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([500]);

    const store = await SegmentStore.open(dir, { segmentFileRows: 100 });
    const kept = (await store.allFiles())[0]?.vectors.slice(0, 450 * 8);
    expect(await store.removeVideo('gone')).toHaveLength(50);
    expect(store.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([100, 100, 100, 100, 50]);
    const reopened = await SegmentStore.open(dir);
    const files = await reopened.allFiles();
    expect(files.flatMap((file) => [...file.labels])).toEqual(Array.from({ length: 450 }, (_, i) => i));
    expect(new Float32Array(files.flatMap((file) => [...file.vectors]))).toEqual(kept);
  });

  it('splits a dedupe copy (segmentsOf, joined from several files) under the cap as it is appended', async () => {
    const store = await SegmentStore.open(await tempDir(), { create: true, segmentFileRows: 100 });
    await store.append(rowsOf({ a: 250 }), 'marengo3.0');
    const copied = await store.segmentsOf('a');
    expect(copied?.count).toBe(250);
    if (copied === undefined) return;
    // A copy is stored under another video id (the same ids would replace the rows, not add them).
    const labels = await store.append({ ...copied, videoId: copied.videoId.map(() => 'b') }, 'marengo3.0');
    expect(store.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([100, 100, 50, 100, 100, 50]);
    expect([labels[0], labels[249]]).toEqual([250, 499]);
  });

  it('defaults to the documented cap and refuses a cap that is not a positive integer', async () => {
    expect(DEFAULT_SEGMENT_FILE_ROWS).toBe(65_536);
    const dir = await tempDir();
    await expect(SegmentStore.open(dir, { create: true, segmentFileRows: 0 })).rejects.toThrow(InputError);
    await expect(SegmentStore.open(dir, { create: true, segmentFileBytes: 1.5 })).rejects.toThrow(
      /segmentFileBytes option must be a positive integer, got 1.5/,
    );
  });
});
