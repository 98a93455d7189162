import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireWriteLock, LOCK_FILE, TaskJournal } from '../../src/store/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('TaskJournal', () => {
  it('records, finds, lists and removes in-flight tasks', async () => {
    const journal = new TaskJournal(await tempDir());
    const entry = { contentKey: 'abc|marengo3.0|video|clip=default', taskId: 't1', apiVersion: 'v2' as const, model: 'marengo3.0', source: '/a.mp4', videoId: 'a.mp4', createdAt: 'now' };
    expect(await journal.entries()).toEqual([]);
    await journal.record(entry);
    expect(await journal.find(entry.contentKey)).toEqual(entry);
    expect(await journal.find('other')).toBeUndefined();
    expect(await journal.entries()).toEqual([entry]);
    await journal.remove(entry.contentKey);
    expect(await journal.entries()).toEqual([]);
  });
});

describe('acquireWriteLock', () => {
  it('refuses a second writer while the first holds the lock, and frees it on release', async () => {
    const dir = await tempDir();
    const release = await acquireWriteLock(dir);
    // The same pid re-entering is treated as a stale lock; pretend another live process (our parent) holds it.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), since: 'x' }));
    await expect(acquireWriteLock(dir, { timeoutMs: 300 })).rejects.toThrow(new RegExp(`another vsearch process \\(pid ${process.ppid}.*waited 0 s`));
    await release();
    const again = await acquireWriteLock(dir);
    await again();
  });

  it('takes over a lock whose process is gone, with a warning', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: 'x' }));
    const warnings: string[] = [];
    const release = await acquireWriteLock(dir, { onWarning: (w) => warnings.push(w) });
    expect(warnings[0]).toMatch(/taking over a stale lock/);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
  });
});
