import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { MANIFEST_FILE } from '../../src/store/manifest.js';
import { SegmentStore } from '../../src/store/segment-store.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('SegmentStore.refresh', () => {
  it("reads another store's commit without the lock, and only when manifest.json was replaced", async () => {
    const dir = await tempDir();
    const writer = await SegmentStore.open(dir, { create: true });
    await writer.append(rowsOf({ a: 2 }), 'marengo3.0');
    const reader = await SegmentStore.open(dir);
    expect(await reader.refresh()).toBe(false);
    // Its own commit is what it last saw: nothing to read again.
    expect(await writer.refresh()).toBe(false);

    await writer.append(rowsOf({ b: 1 }, 8, 2), 'marengo3.0');
    const held = reader.manifest;
    expect(await reader.refresh()).toBe(true);
    expect(reader.manifest.generation).toBe(writer.manifest.generation);
    expect(Object.keys(reader.manifest.videos).sort()).toEqual(['a', 'b']);
    expect(reader.fileNames).toEqual(writer.fileNames);
    // The manifest it held before is untouched (a snapshot built on it stays as it was).
    expect(Object.keys(held.videos)).toEqual(['a']);
    expect(await reader.refresh()).toBe(false);
  });

  it('refuses a replaced manifest that fails the checks open makes, keeping the one it holds', async () => {
    const dir = await tempDir();
    const writer = await SegmentStore.open(dir, { create: true });
    await writer.append(rowsOf({ a: 2 }), 'marengo3.0');
    const reader = await SegmentStore.open(dir);
    const path = join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(path, 'utf8')) as { segmentFiles: { rows: number }[] };
    const first = manifest.segmentFiles[0];
    if (first === undefined) throw new Error('the library should list a segment file');
    first.rows += 1;
    await writeFile(`${path}.tmp`, JSON.stringify(manifest));
    await rename(`${path}.tmp`, path);
    await expect(reader.refresh()).rejects.toThrow(StoreError);
    await expect(reader.refresh()).rejects.toThrow(/is damaged: .*Nothing was changed/);
    expect(Object.keys(reader.manifest.videos)).toEqual(['a']);
  });

  it('leaves a store created in memory alone until a manifest appears', async () => {
    const dir = join(await tempDir(), 'lib');
    const pending = await SegmentStore.open(dir, { create: true });
    expect(await pending.refresh()).toBe(false);
    const other = await SegmentStore.open(dir, { create: true });
    await other.append(rowsOf({ a: 1 }), 'marengo3.0');
    expect(await pending.refresh()).toBe(true);
    expect(pending.manifest.id).toBe(other.manifest.id);
    expect(pending.manifest.counts.segments).toBe(1);
  });
});
