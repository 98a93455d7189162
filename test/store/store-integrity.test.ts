import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, StoreError } from '../../src/errors.js';
import {
  MANIFEST_FILE,
  recoverManifest,
  SEGMENTS_DIR,
  SET_ASIDE_DIR,
  SegmentStore,
  verifySegmentFiles,
} from '../../src/store/index.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function twoFileStore(): Promise<{ dir: string; store: SegmentStore }> {
  const dir = await tempDir();
  const store = await SegmentStore.open(dir, { create: true });
  await store.append(rowsOf({ a: 2, b: 1 }), 'marengo3.0');
  await store.append(rowsOf({ c: 2 }, 8, 2), 'marengo3.0');
  return { dir, store };
}

async function editManifest(dir: string, edit: (manifest: Record<string, unknown>) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
}

describe('a missing or damaged manifest', () => {
  it('is an error naming it when segment files remain, even with create, and nothing is deleted', async () => {
    const { dir, store } = await twoFileStore();
    const files = [...store.fileNames].sort();
    await rm(join(dir, MANIFEST_FILE));
    for (const create of [false, true]) {
      await expect(SegmentStore.open(dir, { create })).rejects.toThrow(
        /manifest\.json is missing, but .*segments holds 2 segment file\(s\); nothing was changed\. `doctor\(\{ repair: true \}\)`/,
      );
    }
    // A store opened before the manifest went missing must not write over the files either.
    await expect(store.append(rowsOf({ d: 1 }, 8, 3), 'marengo3.0')).rejects.toThrow(StoreError);
    expect((await readdir(join(dir, SEGMENTS_DIR))).sort()).toEqual(files);
    expect(existsSync(join(dir, MANIFEST_FILE))).toBe(false);
  });

  it('is recovered from the intact segment files as a new generation', async () => {
    const { dir, store } = await twoFileStore();
    const generation = store.manifest.generation;
    await writeFile(join(dir, MANIFEST_FILE), '{"format": "vsearch-library", "ver');
    await expect(SegmentStore.open(dir)).rejects.toThrow(/not valid JSON.*`doctor\(\{ repair: true \}\)`/);
    const report = await recoverManifest(dir);
    expect(report.previous).toBe('unreadable');
    expect(report.used.map((file) => file.rows)).toEqual([3, 2]);
    expect(report.setAside).toEqual([]);
    const recovered = await SegmentStore.open(dir);
    expect(recovered.manifest.counts).toEqual({ segments: 5, videos: 3 });
    expect(recovered.manifest.nextLabel).toBe(5);
    expect(recovered.manifest.generation).toBeGreaterThan(generation);
    expect((await recovered.segmentsOf('a'))?.count).toBe(2);
  });

  it('recovers without bringing back a removed video, and sets a damaged file aside instead of deleting it', async () => {
    const { dir, store } = await twoFileStore();
    await store.removeVideo('a');
    // The rewritten file (a and b) is retired but still on disk, beside its rewrite (b only).
    expect(await readdir(join(dir, SEGMENTS_DIR))).toHaveLength(3);
    const damaged = join(dir, SEGMENTS_DIR, store.fileNames[0] as string);
    const bytes = await readFile(damaged);
    bytes[bytes.length - 200] = (bytes[bytes.length - 200] as number) ^ 0xff;
    await writeFile(damaged, bytes);
    const report = await recoverManifest(dir);
    expect(report.previous).toBe('readable');
    expect(report.setAside.map((file) => file.name)).toEqual([store.fileNames[0]]);
    expect(report.setAside[0]?.reason).toMatch(/sha256/);
    expect(existsSync(join(dir, SET_ASIDE_DIR, store.fileNames[0] as string))).toBe(true);
    const recovered = await SegmentStore.open(dir);
    expect(Object.keys(recovered.manifest.videos).sort()).toEqual(['c']);

    // With no manifest at all, the newer rewrite still wins over the file it replaced.
    const fresh = await twoFileStore();
    await fresh.store.removeVideo('a');
    await rm(join(fresh.dir, MANIFEST_FILE));
    const blind = await recoverManifest(fresh.dir);
    expect(blind.previous).toBe('missing');
    expect(blind.setAside).toHaveLength(1);
    expect(blind.setAside[0]?.reason).toMatch(/overlap/);
    expect(Object.keys((await SegmentStore.open(fresh.dir)).manifest.videos).sort()).toEqual(['b', 'c']);
  });
});

describe('checks on open', () => {
  it('refuses a lowered nextLabel, a deleted segments folder and a deleted file, naming what is wrong', async () => {
    const { dir, store } = await twoFileStore();
    const original = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    await editManifest(dir, (m) => (m['nextLabel'] = 2));
    await expect(SegmentStore.open(dir)).rejects.toThrow(
      /nextLabel is 2, but segment file seg-\S+ already uses labels up to 2/,
    );
    await writeFile(join(dir, MANIFEST_FILE), original);
    await rm(join(dir, SEGMENTS_DIR, store.fileNames[1] as string));
    await expect(SegmentStore.open(dir)).rejects.toThrow(
      new RegExp(`segment file .*${store.fileNames[1] as string} is missing`),
    );
    await rm(join(dir, SEGMENTS_DIR), { recursive: true });
    await expect(SegmentStore.open(dir)).rejects.toThrow(
      /the folder .*segments is missing, with the 2 segment files it listed/,
    );
  });

  it('refuses a segment file whose vector bytes were flipped, naming the file, before any search reads it', async () => {
    const { dir, store } = await twoFileStore();
    const name = store.fileNames[0] as string;
    const path = join(dir, SEGMENTS_DIR, name);
    const bytes = await readFile(path);
    // Same size: only the checksum can tell.
    bytes[bytes.length - 300] = (bytes[bytes.length - 300] as number) ^ 0x40;
    await writeFile(path, bytes);
    const reopened = await SegmentStore.open(dir);
    await expect(reopened.file(name)).rejects.toThrow(new RegExp(`segment file .*${name} does not match its sha256`));
    const checks = await verifySegmentFiles(reopened);
    expect(checks.map((check) => check.ok)).toEqual([false, true]);
    expect(checks[0]?.problem).toMatch(/does not match its sha256/);
  });

  it('still opens entries written before checksums', async () => {
    const { dir } = await twoFileStore();
    await editManifest(dir, (m) => {
      for (const entry of m['segmentFiles'] as Array<Record<string, unknown>>) delete entry['sha256'];
    });
    const reopened = await SegmentStore.open(dir);
    expect((await reopened.allFiles()).map((file) => file.count)).toEqual([3, 2]);
    expect((await verifySegmentFiles(reopened)).every((check) => check.ok && !check.checksummed)).toBe(true);
  });

  it('refuses a library path that is a regular file as bad input', async () => {
    const path = join(await tempDir(), 'not-a-dir');
    await writeFile(path, 'x');
    await expect(SegmentStore.open(path, { create: true })).rejects.toThrow(InputError);
    await expect(SegmentStore.open(path, { create: true })).rejects.toThrow(/is not a directory/);
  });
});

describe('what writes leave behind', () => {
  it('creates nothing on disk until the first write, and nothing when that write fails', async () => {
    const dir = join(await tempDir(), 'new', 'lib');
    const store = await SegmentStore.open(dir, { create: true });
    expect(existsSync(join(dir, '..'))).toBe(false);
    await expect(store.write(async () => Promise.reject(new InputError('bad row')))).rejects.toThrow('bad row');
    expect(existsSync(join(dir, '..'))).toBe(false);
    await store.append(rowsOf({ a: 1 }), 'marengo3.0');
    expect((await SegmentStore.open(dir)).manifest.counts.segments).toBe(1);
  });

  it('keeps files a removal unlisted for the grace period, then deletes them on a later write', async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { create: true, retiredGraceMs: 60_000 });
    await store.append(rowsOf({ a: 2, b: 1 }), 'marengo3.0');
    const old = store.fileNames[0] as string;
    await store.removeVideo('a');
    await store.append(rowsOf({ c: 1 }, 8, 2), 'marengo3.0');
    // Within the grace period: kept, for readers of the manifest that listed it.
    expect(await readdir(join(dir, SEGMENTS_DIR))).toContain(old);
    const hurried = await SegmentStore.open(dir, { retiredGraceMs: 0 });
    await hurried.append(rowsOf({ d: 1 }, 8, 3), 'marengo3.0');
    expect(await readdir(join(dir, SEGMENTS_DIR))).not.toContain(old);
    expect(hurried.manifest.retired).toEqual([]);
  });

  it('tells a reader whose manifest outlived the grace period to open the library again', async () => {
    const dir = await tempDir();
    const writer = await SegmentStore.open(dir, { create: true, retiredGraceMs: 0 });
    await writer.append(rowsOf({ a: 2, b: 1 }), 'marengo3.0');
    const reader = await SegmentStore.open(dir);
    const old = reader.fileNames[0] as string;
    await writer.removeVideo('a');
    await writer.append(rowsOf({ c: 1 }, 8, 2), 'marengo3.0');
    expect(await readdir(join(dir, SEGMENTS_DIR))).not.toContain(old);
    await expect(reader.file(old)).rejects.toThrow(
      /changed after this process opened it \(segment file seg-\S+ was removed by a later write\); open the library again/,
    );
  });

  it('removes crash temp files of the manifest and segment files on the next write, and only those', async () => {
    const { dir, store } = await twoFileStore();
    const temps = [
      join(dir, `.${MANIFEST_FILE}.0123456789ab.tmp`),
      join(dir, SEGMENTS_DIR, '.seg-000009-0badcafe.arrow.0123456789ab.tmp'),
    ];
    const others = [join(dir, 'notes.tmp'), join(dir, SEGMENTS_DIR, 'mine.arrow.bak')];
    for (const path of [...temps, ...others]) await writeFile(path, 'partial');
    await store.append(rowsOf({ d: 1 }, 8, 3), 'marengo3.0');
    for (const path of temps) expect(existsSync(path), path).toBe(false);
    for (const path of others) expect(existsSync(path), path).toBe(true);
  });
});
