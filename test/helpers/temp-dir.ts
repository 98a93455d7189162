import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';

interface TempDirPlace {
  /** The folder to make it in (default: the system temp folder). */
  parent?: string;
  /** The start of its name (default vsearch-test-). */
  prefix?: string;
}

const makeTempDir = ({ parent = tmpdir(), prefix = 'vsearch-test-' }: TempDirPlace = {}): Promise<string> =>
  mkdtemp(join(parent, prefix));
const removeTempDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true, maxRetries: 5 });

/** A fresh temp directory per call, removed after the test that made it. */
export function useTempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map(removeTempDir));
  });
  return async () => {
    const dir = await makeTempDir();
    made.push(dir);
    return dir;
  };
}

/**
 * One temp directory for the enclosing describe (or file), made before the hooks registered after
 * this call and removed after theirs (vitest runs after-hooks in reverse): a shared fixture's folder.
 */
export function useSuiteTempDir(place: TempDirPlace = {}): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await makeTempDir(place);
  });
  afterAll(async () => {
    if (dir !== undefined) await removeTempDir(dir);
  });
  return () => {
    if (dir === undefined)
      throw new Error('useSuiteTempDir: the folder is made in beforeAll; read it from a hook or test');
    return dir;
  };
}
