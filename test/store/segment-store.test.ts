import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatVersionError, InputError, LibraryNotFoundError, StoreError } from '../../src/errors.js';
import { MANIFEST_FILE, SEGMENTS_DIR, type SegmentRows, SegmentStore } from '../../src/store/index.js';
import { rowsOf as storeRows } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** Clips alternate visual and audio embeddings, so that option filters have both to choose from. */
const rowsOf = (videos: Record<string, number>, dimension = 8, seed = 1): SegmentRows =>
  storeRows(videos, dimension, seed, (clip) => (clip % 2 === 0 ? 'visual' : 'audio'));

describe('SegmentStore', () => {
  it('fails clearly when the library is missing, and creates one on request', async () => {
    const dir = join(await tempDir(), 'lib');
    await expect(SegmentStore.open(dir)).rejects.toThrow(LibraryNotFoundError);
    await expect(SegmentStore.open(dir)).rejects.toThrow(/no vsearch library at/);
    const store = await SegmentStore.open(dir, { create: true });
    expect(store.manifest.counts).toEqual({ segments: 0, videos: 0 });
    expect(store.manifest.id).toMatch(/^lib_[0-9a-f]{24}$/);
  });

  it('appends immutable files, gives ascending labels and reads vectors back as zero-copy views', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    const first = rowsOf({ a: 3, b: 2 });
    expect([...(await store.append(first, 'marengo3.0'))]).toEqual([0, 1, 2, 3, 4]);
    expect([...(await store.append(rowsOf({ c: 2 }, 8, 2), 'marengo3.0'))]).toEqual([5, 6]);

    const reopened = await SegmentStore.open(dir);
    expect(reopened.manifest.counts).toEqual({ segments: 7, videos: 3 });
    expect(reopened.manifest.videos['a']).toMatchObject({ segments: 3, durationSec: 18 });
    const [file] = await reopened.allFiles();
    expect(file?.count).toBe(5);
    expect(file?.vectors.length).toBe(5 * 8);
    // A view into the file's bytes, not a per-row copy.
    expect(file?.vectors.buffer).toBe(file?.labels.buffer);
    expect([...(file?.vector(1) ?? [])]).toEqual([...first.vectors.subarray(8, 16)]);
    const place = await reopened.locate(6);
    expect(place?.file.string('video_id', place.row)).toBe('c');
    expect(place?.file.string('metadata', place.row)).toBe('{"clip":1}');
    expect(await reopened.locate(99)).toBeUndefined();
  });

  it('refuses a second model or dimension without writing anything', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 1 }), 'marengo3.0');
    const before = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    await expect(store.append(rowsOf({ b: 1 }), 'marengo3.5')).rejects.toThrow(
      /holds marengo3.0 embeddings and these are marengo3.5/,
    );
    await expect(store.append(rowsOf({ b: 1 }, 4), 'marengo3.0')).rejects.toThrow(InputError);
    expect(await readFile(join(dir, MANIFEST_FILE), 'utf8')).toBe(before);
    expect(await readdir(join(dir, SEGMENTS_DIR))).toHaveLength(1);
  });

  it('removes a video by rewriting only the files that hold it, keeping other labels', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 2, b: 2 }), 'marengo3.0');
    await store.append(rowsOf({ c: 1 }, 8, 3), 'marengo3.0');
    const untouched = store.fileNames[1];
    expect((await store.removeVideo('a')).sort()).toEqual([0, 1]);
    expect(store.manifest.counts).toEqual({ segments: 3, videos: 2 });
    expect(store.fileNames[1]).toBe(untouched);
    expect(await store.locate(0)).toBeUndefined();
    const b = await store.locate(3);
    expect(b?.file.string('video_id', b.row)).toBe('b');
    // The rewritten file stays, retired, for readers of the older manifest.
    const retired = store.manifest.retired.map((file) => file.name);
    expect(retired).toHaveLength(1);
    expect((await readdir(join(dir, SEGMENTS_DIR))).sort()).toEqual([...store.fileNames, ...retired].sort());
    await expect(store.removeVideo('a')).rejects.toThrow(/no video "a"/);
  });

  it('ignores and clears a segment file that a crash left unlisted', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 1 }), 'marengo3.0');
    await writeFile(join(dir, SEGMENTS_DIR, 'seg-999999-deadbeef.arrow'), 'partial');
    const reopened = await SegmentStore.open(dir);
    expect(reopened.manifest.counts.segments).toBe(1);
    await reopened.append(rowsOf({ b: 1 }, 8, 2), 'marengo3.0');
    expect(await readdir(join(dir, SEGMENTS_DIR))).not.toContain('seg-999999-deadbeef.arrow');
  });

  it('opens unchanged after a kill in the Arrow write or in the manifest write', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 2 }), 'marengo3.0');
    const before = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    const written = await readFile(join(dir, SEGMENTS_DIR, store.fileNames[0] as string));
    // What a SIGKILL can leave: an Arrow temp file cut short, a complete Arrow file renamed into
    // place but not yet in the manifest, and a manifest temp file cut short beside the manifest.
    await writeFile(
      join(dir, SEGMENTS_DIR, '.seg-000002-cafe.arrow.0123456789ab.tmp'),
      written.subarray(0, written.length >> 1),
    );
    await writeFile(join(dir, SEGMENTS_DIR, 'seg-000002-cafe.arrow'), written);
    await writeFile(join(dir, `.${MANIFEST_FILE}.0123456789ab.tmp`), before.slice(0, before.length >> 1));

    const reopened = await SegmentStore.open(dir);
    expect(await readFile(join(dir, MANIFEST_FILE), 'utf8')).toBe(before);
    expect(reopened.manifest.counts.segments).toBe(2);
    expect(reopened.fileNames).toEqual(store.fileNames);
    await reopened.append(rowsOf({ b: 1 }, 8, 2), 'marengo3.0');
    expect(reopened.manifest.counts.segments).toBe(3);
    expect(await readdir(join(dir, SEGMENTS_DIR))).not.toContain('seg-000002-cafe.arrow');
    const again = await SegmentStore.open(dir);
    expect(again.manifest.counts.segments).toBe(3);
    expect((await again.segmentsOf('a'))?.count).toBe(2);
  });

  it('rejects another format version and a damaged manifest', async () => {
    const dir = await tempDir();
    await (await SegmentStore.open(dir, { create: true })).append(rowsOf({ a: 1 }), 'marengo3.0');
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, version: 2 }));
    await expect(SegmentStore.open(dir)).rejects.toThrow(FormatVersionError);
    await writeFile(join(dir, MANIFEST_FILE), '{"format": "vsearch-library", ');
    await expect(SegmentStore.open(dir)).rejects.toThrow(StoreError);
  });

  it('reports a truncated segment file as a damaged store', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true });
    await store.append(rowsOf({ a: 2 }), 'marengo3.0');
    const path = join(dir, SEGMENTS_DIR, store.fileNames[0] as string);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 40));
    await expect(SegmentStore.open(dir)).rejects.toThrow(
      /is \d+ bytes, but manifest.json recorded \d+ \(cut short or replaced\)/,
    );
  });
});
