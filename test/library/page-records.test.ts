import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { PAGES_DIR, type PageRecord, PageRecords } from '../../src/library/local-search-storage.js';
import { decodePageToken, encodePageToken } from '../../src/query/search-pipeline.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

function record(records: PageRecords, items: number): PageRecord {
  return {
    version: 1,
    id: records.newId(),
    libraryId: 'lib',
    generation: 1,
    createdAt: new Date().toISOString(),
    queries: [Float32Array.from([items, 0.5, -0.25]), Float32Array.from([1, 2])],
    search: { groupBy: 'clip', operator: 'or', pageLimit: 10, threshold: 'none', mergeAdjacent: false },
    excludedLabels: [],
    total: 100,
    pages: [{ items, labels: [items], videos: [] }],
  };
}

describe('PageRecords', () => {
  it('hands out ids that page tokens carry', async () => {
    const records = new PageRecords(await tempDir());
    const id = records.newId();
    expect(decodePageToken(encodePageToken({ recordId: id, page: 2 }))).toEqual({ recordId: id, page: 2 });
    expect(records.newId()).not.toBe(id);
  });

  it('reads a record at once in the same process, and from its batch file in another after flush', async () => {
    const dir = await tempDir();
    const records = new PageRecords(dir);
    const made = [record(records, 1), record(records, 2), record(records, 3)];
    for (const r of made) records.writeSoon(r);
    expect(await records.read(made[1]?.id ?? '')).toEqual(made[1]);
    await records.flush();
    expect((await readdir(join(dir, PAGES_DIR))).filter((name) => name.endsWith('.pages'))).toHaveLength(1);
    const other = new PageRecords(dir);
    for (const r of made) expect(await other.read(r.id)).toEqual(r);
    expect(await other.read(`${'0'.repeat(24)}`)).toBeUndefined();
  });

  it('lets a rewritten record win over its batch copy', async () => {
    const dir = await tempDir();
    const records = new PageRecords(dir);
    const first = record(records, 1);
    records.writeSoon(first);
    const rewritten = { ...first, pages: [...first.pages, { items: 5, labels: [5], videos: [] }] };
    await records.write(rewritten);
    expect(await records.read(first.id)).toEqual(rewritten);
    await records.flush();
    expect(await new PageRecords(dir).read(first.id)).toEqual(rewritten);
  });

  it('writes batches made while one is being written, and later ones in new files', async () => {
    const dir = await tempDir();
    const records = new PageRecords(dir);
    const a = record(records, 1);
    records.writeSoon(a);
    const flushing = records.flush();
    const b = record(records, 2);
    records.writeSoon(b);
    await flushing;
    await records.flush();
    const other = new PageRecords(dir);
    expect(await other.read(a.id)).toEqual(a);
    expect(await other.read(b.id)).toEqual(b);
  });

  it('says whether records can be written: yes in a fresh library, no where cache/ cannot hold folders', async () => {
    const dir = await tempDir();
    expect(await new PageRecords(dir).unavailable()).toBeUndefined();
    const blocked = await tempDir();
    await writeFile(join(blocked, 'cache'), 'not a folder');
    const records = new PageRecords(blocked);
    expect(await records.unavailable()).toMatch(
      /page records cannot be written in .*cache\/pages \(ENOTDIR\), so no page token was issued; ask for a larger page limit \(up to 50\)/,
    );
  });

  it('reports a batch that could not be written once, naming the folder, and then says records are unavailable', async () => {
    const dir = await tempDir();
    const records = new PageRecords(dir);
    expect(await records.unavailable()).toBeUndefined();
    await writeFile(join(dir, 'cache'), 'not a folder');
    records.writeSoon(record(records, 1));
    await expect(records.flush()).rejects.toThrow(StoreError);
    await expect(records.flush()).resolves.toBeUndefined();
    expect(await records.unavailable()).toMatch(/cannot be written .*ENOTDIR/);
  });
});
