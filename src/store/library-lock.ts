import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

export const LOCK_FILE = 'write.lock';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per library. A lock left by a process that is gone (killed, crashed) is
 * taken over with a warning; a live one is a clear error naming its pid.
 */
export async function acquireWriteLock(libraryDir: string, onWarning?: (message: string) => void): Promise<() => Promise<void>> {
  const path = join(libraryDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.sync();
      await handle.close();
      return release(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && owner.host === me.host && owner.pid !== process.pid && isAlive(owner.pid)) {
      throw new StoreError(`another vsearch process (pid ${owner.pid}, since ${owner.since}) is writing ${libraryDir}; wait for it to finish, or stop it`);
    }
    if (owner !== undefined && owner.host !== me.host) {
      throw new StoreError(`${libraryDir} is locked by pid ${owner.pid} on ${owner.host}; if that process is gone, delete ${path}`);
    }
    onWarning?.(`taking over a stale lock on ${libraryDir} (its process${owner === undefined ? '' : ` ${owner.pid}`} is gone)`);
    await writeFileAtomic(path, JSON.stringify(me));
    return release(path);
  }
  throw new StoreError(`cannot lock ${libraryDir}`);
}

function release(path: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(path, { force: true });
  };
}
