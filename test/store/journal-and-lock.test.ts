import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireWriteLock, LOCK_FILE, TaskJournal } from '../../src/store/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('TaskJournal', () => {
  it('records, finds, lists and removes in-flight tasks', async () => {
    const journal = new TaskJournal(await tempDir());
    const entry = {
      contentKey: 'abc|marengo3.0|video|clip=default',
      taskId: 't1',
      apiVersion: 'v2' as const,
      model: 'marengo3.0',
      source: '/a.mp4',
      videoId: 'a.mp4',
      createdAt: 'now',
    };
    expect(await journal.entries()).toEqual([]);
    await journal.record(entry);
    expect(await journal.find(entry.contentKey)).toEqual({ entry });
    expect(await journal.find('other')).toBeUndefined();
    expect(await journal.entries()).toEqual([entry]);
    await journal.remove(entry.contentKey);
    expect(await journal.entries()).toEqual([]);
  });
});

describe('acquireWriteLock', () => {
  it('makes a second writer in this process wait for the first, and refuses a live one after the timeout', async () => {
    const dir = await tempDir();
    const release = await acquireWriteLock(dir);
    const warnings: string[] = [];
    let second = false;
    const waiting = acquireWriteLock(dir, { onWarning: (w) => warnings.push(w) }).then((r) => {
      second = true;
      return r;
    });
    // The waiter must still be waiting after its first polls: the lock is held by a live owner (this process).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second).toBe(false);
    expect(warnings[0]).toMatch(new RegExp(`waiting for another writer of .* \\(pid ${process.pid}`));
    await release();
    const releaseSecond = await waiting;
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await releaseSecond();

    // Another live process (our parent) holds it: refused once the timeout passes, and the file is left alone.
    const foreign = JSON.stringify({
      pid: process.ppid,
      host: (await import('node:os')).hostname(),
      since: 'x',
      token: 'parent',
    });
    await writeFile(join(dir, LOCK_FILE), foreign);
    await expect(acquireWriteLock(dir, { timeoutMs: 300 })).rejects.toThrow(
      new RegExp(`another vsearch process \\(pid ${process.ppid}.*waited 0 s`),
    );
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(foreign);
  });

  it('takes over a lock whose process is gone, with a warning', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: 'x' }),
    );
    const warnings: string[] = [];
    const release = await acquireWriteLock(dir, { onWarning: (w) => warnings.push(w) });
    expect(warnings[0]).toMatch(/taking over a stale lock/);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
  });
});
