import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireWriteLock, LOCK_FILE, SegmentStore } from '../../src/store/index.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const WRITERS = 8;

describe('concurrent writers of one store', () => {
  it('keeps every append of 8 stores opened on one folder before any wrote, each exactly once', async () => {
    const dir = join(await tempDir(), 'lib');
    // Opened first, so each holds the (empty, not yet written) manifest it saw; each must commit on the current one.
    const stores = await Promise.all(Array.from({ length: WRITERS }, () => SegmentStore.open(dir, { create: true })));
    await Promise.all(stores.map((store, i) => store.append(rowsOf({ [`v${i}`]: 3 }, 8, i + 1), 'marengo3.0')));
    const reopened = await SegmentStore.open(dir);
    expect(reopened.manifest.counts).toEqual({ segments: 3 * WRITERS, videos: WRITERS });
    expect(reopened.fileNames).toHaveLength(WRITERS);
    const labels = (await reopened.allFiles()).flatMap((file) => [...file.labels]);
    expect(new Set(labels).size).toBe(3 * WRITERS);
    for (let i = 0; i < WRITERS; i++) expect((await reopened.segmentsOf(`v${i}`))?.count).toBe(3);
  });

  it('applies a removal to the generation another writer committed after it opened', async () => {
    const dir = await tempDir();
    const first = await SegmentStore.open(dir, { create: true });
    await first.append(rowsOf({ a: 2 }), 'marengo3.0');
    const stale = await SegmentStore.open(dir);
    await first.append(rowsOf({ b: 2 }, 8, 2), 'marengo3.0');
    // `stale` never saw b; its removal of a must not drop b's file.
    await stale.removeVideo('a');
    const reopened = await SegmentStore.open(dir);
    expect(Object.keys(reopened.manifest.videos)).toEqual(['b']);
    expect((await reopened.segmentsOf('b'))?.count).toBe(2);
  });
});

describe('write lock takeover', () => {
  it('lets exactly one of 8 racing takers hold a stale lock at any moment', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 4321, host: hostname(), since: 'x', token: 'dead' }),
    );
    let holders = 0;
    let most = 0;
    let turns = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        const release = await acquireWriteLock(dir, { timeoutMs: 60_000 });
        holders++;
        most = Math.max(most, holders);
        // Yield to the other takers several times while holding the lock.
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        holders--;
        turns++;
        await release();
      }),
    );
    expect(turns).toBe(WRITERS);
    expect(most).toBe(1);
  });

  it('never deletes a stale lock while another taker holds its claim, and says what to delete if that taker died', async () => {
    const dir = await tempDir();
    const stale = JSON.stringify({ pid: 2 ** 22 + 4322, host: hostname(), since: 'x', token: 'dead-too' });
    await writeFile(join(dir, LOCK_FILE), stale);
    const { createHash } = await import('node:crypto');
    const claim = join(
      dir,
      `.${LOCK_FILE}.${createHash('sha256').update('dead-too').digest('hex').slice(0, 16)}.takeover`,
    );
    await writeFile(claim, JSON.stringify({ pid: 2 ** 22 + 4323, since: 'x' }));
    await expect(acquireWriteLock(dir, { timeoutMs: 300 })).rejects.toThrow(
      /cannot take over the stale lock .*write\.lock: another process's takeover of it was interrupted; .*delete .*write\.lock and the \.write\.lock\.\*\.takeover files/,
    );
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(stale);
    await rm(claim);
    const release = await acquireWriteLock(dir);
    await release();
  });
});

describe('write lock errors', () => {
  it('is a StoreError naming the library when its directory is gone', async () => {
    const dir = join(await tempDir(), 'gone');
    await expect(acquireWriteLock(dir)).rejects.toThrow(
      /cannot take the write lock of the library at .*gone: the directory is gone \(ENOENT\)/,
    );
  });
});
