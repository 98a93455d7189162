import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The names this store gives segment files: seg-<generation>-<random hex>.arrow. */
export const SEGMENT_FILE_NAME = /^seg-(\d+)-[0-9a-f]+\.arrow$/;
/** writeFileAtomic's temp files (`.NAME.<12 hex>.tmp`) of a segment file and of the manifest. */
const SEGMENT_TEMP = /^\.seg-\d+-[0-9a-f]+\.arrow\.[0-9a-f]{12}\.tmp$/;
const MANIFEST_TEMP = /^\.manifest\.json\.[0-9a-f]{12}\.tmp$/;
const VIDEO_FACTS_TEMP = /^\.videos-\d+-[0-9a-f]+\.arrow\.[0-9a-f]{12}\.tmp$/;
/** A lock attempt's temp file lives for microseconds; one a minute old was left by a crash. */
const LOCK_TEMP = /^\.write\.lock\.[0-9a-f]{24}\.tmp$/;
const LOCK_TEMP_AGE_MS = 60_000;

/**
 * Removes the temp files a crash can leave in the library root, segments/ and facts/, and only
 * those: each pattern names a file that only a writer holding the lock creates (or, for
 * lock attempts, one far older than any attempt lasts). Call it holding the write lock.
 * Returns the paths removed.
 */
export async function removeCrashTempFiles(libraryDir: string, segmentsDir: string): Promise<string[]> {
  const removed: string[] = [];
  const now = Date.now();
  for (const name of await namesIn(libraryDir)) {
    const path = join(libraryDir, name);
    if (MANIFEST_TEMP.test(name) || (LOCK_TEMP.test(name) && (await ageOf(path, now)) > LOCK_TEMP_AGE_MS)) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  for (const name of await namesIn(segmentsDir)) {
    if (!SEGMENT_TEMP.test(name)) continue;
    const path = join(segmentsDir, name);
    await rm(path, { force: true });
    removed.push(path);
  }
  const factsDir = join(libraryDir, 'facts');
  for (const name of await namesIn(factsDir)) {
    if (!VIDEO_FACTS_TEMP.test(name)) continue;
    const path = join(factsDir, name);
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}

export async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function ageOf(path: string, now: number): Promise<number> {
  try {
    return now - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}
