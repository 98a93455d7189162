import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AbortError, StoreError } from '../errors.js';

export const LOCK_FILE = 'write.lock';
/** How long a writer waits for another to finish before giving up (two minutes). */
export const DEFAULT_LOCK_TIMEOUT_MS = 120_000;
const LONGEST_PAUSE_MS = 250;

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** Unique per acquisition: tells this process's own locks from a dead one's that had the same pid. */
  token?: string;
}

export interface WriteLockOptions {
  /** Give up after this long with a StoreError naming the holder (default two minutes). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Told once per holder when waiting starts, and when a stale lock is taken over. */
  onWarning?: ((message: string) => void) | undefined;
}

/** The lock is held by a live writer and was not taken within `timeoutMs` (zero: not waited for at all). */
export class LockHeldError extends StoreError {}

/** Tokens of the locks this process holds or is taking. */
const ours = new Set<string>();

/**
 * One writer per library, across processes and within one. The lock file is created
 * whole and only if absent (written beside it, then hard-linked into place), so a reader
 * never sees it half-written. A second writer waits for it, up to `timeoutMs`.
 *
 * A lock whose process is gone is taken over race-free: the taker first creates a claim
 * file named after that lock's identity (exclusive: `wx`), re-reads the lock under the
 * claim and deletes it only if it is still the same dead one, then competes to create a
 * new lock like everyone else. Only a claim holder ever deletes another process's lock,
 * and only one claim per dead lock exists at a time, so two takers cannot both win.
 */
export async function acquireWriteLock(
  libraryDir: string,
  options: WriteLockOptions = {},
): Promise<() => Promise<void>> {
  const path = join(libraryDir, LOCK_FILE);
  const token = randomBytes(12).toString('hex');
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token };
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  let pause = 5;
  let toldAbout: string | undefined;
  ours.add(token);
  try {
    for (;;) {
      if (options.signal?.aborted) throw new AbortError('the write was aborted while waiting for the library lock');
      if (await tryCreate(libraryDir, path, me)) return release(path, token);
      const held = await readLock(path);
      if (held === undefined) continue;
      const { owner, identity } = held;
      if (owner !== undefined && owner.host !== me.host) {
        throw new StoreError(
          `${libraryDir} is locked by pid ${owner.pid} on ${owner.host}; if that process is gone, delete ${path}`,
        );
      }
      if (owner === undefined || !isLive(owner)) {
        if (await takeOver(libraryDir, path, identity, owner, options)) continue;
      } else if (toldAbout !== identity) {
        toldAbout = identity;
        options.onWarning?.(
          `waiting for another writer of ${libraryDir} (pid ${owner.pid}, since ${owner.since}) to finish`,
        );
      }
      if (Date.now() >= deadline)
        throw timeoutError(libraryDir, path, owner, options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
      await pauseFor(pause, options.signal);
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  } catch (error) {
    ours.delete(token);
    throw error;
  }
}

/** Creates the lock file with its whole content, only if no lock file exists. */
async function tryCreate(dir: string, path: string, me: LockOwner): Promise<boolean> {
  const temp = join(dir, `.${LOCK_FILE}.${me.token ?? ''}.tmp`);
  try {
    await writeFile(temp, JSON.stringify(me), { flag: 'wx' });
  } catch (error) {
    throw cannotLock(dir, error);
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw cannotLock(dir, error);
  } finally {
    await rm(temp, { force: true });
  }
}

function cannotLock(dir: string, error: unknown): StoreError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'the directory is gone'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'it is not writable here'
        : (error as Error).message;
  return new StoreError(
    `cannot take the write lock of the library at ${dir}: ${why} (${code ?? 'error'}); writes need a writable library directory`,
    { cause: error },
  );
}

interface HeldLock {
  /** Undefined when the file is not a lock we can read (damaged, or cut short by an older vsearch). */
  owner: LockOwner | undefined;
  /** Names this one lock file, so a takeover deletes only the lock it judged. */
  identity: string;
}

async function readLock(path: string): Promise<HeldLock | undefined> {
  let text: string;
  let info: Awaited<ReturnType<typeof statBig>>;
  try {
    info = await statBig(path);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const owner = parseOwner(text);
  const identity = owner?.token ?? `untokened:${String(info.ino)}:${String(info.mtimeNs)}:${text}`;
  return { owner, identity };
}

function statBig(path: string): Promise<{ ino: bigint; mtimeNs: bigint }> {
  return stat(path, { bigint: true });
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (value === null || typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      since: String(value.since),
      ...(typeof value.token === 'string' ? { token: value.token } : {}),
    };
  } catch {
    return undefined;
  }
}

function isLive(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return owner.token !== undefined && ours.has(owner.token);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes the stale lock `identity` if it is still there, holding that lock's claim file meanwhile. Returns whether to retry at once. */
async function takeOver(
  dir: string,
  path: string,
  identity: string,
  owner: LockOwner | undefined,
  options: WriteLockOptions,
): Promise<boolean> {
  const claim = join(dir, `.${LOCK_FILE}.${shortHash(identity)}.takeover`);
  try {
    await writeFile(claim, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const now = await readLock(path);
    if (now?.identity === identity) {
      await unlink(path);
      options.onWarning?.(
        `taking over a stale lock on ${dir} (its process${owner === undefined ? '' : ` ${owner.pid}`} is gone)`,
      );
    }
  } finally {
    await rm(claim, { force: true });
  }
  return true;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function timeoutError(dir: string, path: string, owner: LockOwner | undefined, timeoutMs: number): StoreError {
  const seconds = Math.round(timeoutMs / 1000);
  if (owner !== undefined && isLive(owner)) {
    return new LockHeldError(
      `another vsearch process (pid ${owner.pid}, since ${owner.since}) is writing ${dir}; waited ${seconds} s for it; wait for it to finish, or stop it`,
    );
  }
  return new StoreError(
    `cannot take over the stale lock ${path}: another process's takeover of it was interrupted; if no vsearch process is writing ${dir}, delete ${path} and the .${LOCK_FILE}.*.takeover files beside it`,
  );
}

function pauseFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError('the write was aborted while waiting for the library lock'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function release(path: string, token: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    // Our token stays ours until the file is gone: no one in this process may judge it stale meanwhile.
    try {
      const held = await readLock(path);
      if (held?.owner?.token === token) await rm(path, { force: true });
    } finally {
      ours.delete(token);
    }
  };
}
