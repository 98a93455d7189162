import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from './atomic-write.js';
import { sha256Hex } from './query-cache.js';

export const JOURNAL_DIR = 'journal';

/** An async embedding task that was paid for but whose segments are not in the store yet. */
export interface JournalEntry {
  /** The dedupe key of the content (sha256 + model + segmentation). */
  contentKey: string;
  taskId: string;
  apiVersion: 'v1' | 'v2';
  model: string;
  source: string;
  videoId: string;
  createdAt: string;
}

/**
 * In-flight task ids, one small file each, written before polling starts so that a build
 * killed at any moment resumes the same tasks instead of paying for new ones.
 */
export class TaskJournal {
  readonly dir: string;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, JOURNAL_DIR);
  }

  /**
   * Makes the entry visible (temp file, rename) before syncing it: a task id is paid for the
   * moment the API answers, so the window in which a killed process forgets it must be as
   * short as a write and a rename. Those two are synchronous on purpose: a small file costs
   * microseconds, where awaiting the thread pool on a busy event loop (other items uploading,
   * polling, hashing) can take milliseconds. The fsync after covers power loss.
   */
  async record(entry: JournalEntry): Promise<void> {
    const path = this.#path(entry.contentKey);
    const temp = `${path}.${process.pid}.tmp`;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(temp, `${JSON.stringify(entry)}\n`);
    renameSync(temp, path);
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDirectory(this.dir);
  }

  async find(contentKey: string): Promise<JournalEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.#path(contentKey), 'utf8')) as JournalEntry;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async entries(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: JournalEntry[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        entries.push(JSON.parse(await readFile(join(this.dir, name), 'utf8')) as JournalEntry);
      } catch {
        // A temp file cut short by a crash; writeFileAtomic never leaves a partial .json.
      }
    }
    return entries;
  }

  async remove(contentKey: string): Promise<void> {
    await rm(this.#path(contentKey), { force: true });
  }

  #path(contentKey: string): string {
    return join(this.dir, `${sha256Hex(contentKey).slice(0, 32)}.json`);
  }
}
