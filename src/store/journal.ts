import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, fsyncPath } from '../fs/fsync.js';
import { sha256Hex } from './query-cache.js';

export const JOURNAL_DIR = 'journal';

/**
 * A purchase in progress: an async embedding whose segments are not in the store yet. It is
 * rewritten at each step, and each step that makes the API create something is journaled
 * before its request leaves, so a rerun knows what may exist and looks for it.
 */
export interface JournalEntry {
  /** The dedupe key of the content (sha256 + model + segmentation). */
  contentKey: string;
  apiVersion: 'v1' | 'v2';
  model: string;
  source: string;
  videoId: string;
  createdAt: string;
  /** The embedding task, once the API's answer to its creation arrived. */
  taskId?: string | undefined;
  /** v2: the tag filename the media is uploaded under as an asset (journaled before the upload). */
  uploadName?: string | undefined;
  /** v2: the asset, once the API's answer to its upload arrived. */
  assetId?: string | undefined;
}

/** What the journal holds for one content key: nothing, an entry, or a file that is not a valid entry. */
export type JournalRead = { entry: JournalEntry } | { damaged: string; file: string } | undefined;

/** In-flight purchases, one small file per content key. */
export class TaskJournal {
  readonly dir: string;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, JOURNAL_DIR);
  }

  /**
   * Makes the entry visible (temp file, rename) before syncing it: an id is paid for the
   * moment the API answers, so the window in which a killed process forgets it must be as
   * short as a write and a rename. Those two are synchronous on purpose: a small file costs
   * microseconds, where awaiting the thread pool on a busy event loop (other items uploading,
   * polling, hashing) can take milliseconds. The fsync after covers power loss.
   */
  async record(entry: JournalEntry): Promise<void> {
    await recordJournalFile(this.dir, this.pathOf(entry.contentKey), entry);
  }

  async find(contentKey: string): Promise<JournalRead> {
    const file = this.pathOf(contentKey);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = parseEntry(text);
    if (typeof parsed === 'string') return { damaged: parsed, file };
    if (parsed.contentKey !== contentKey)
      return { damaged: 'it names other content than the file it is stored under', file };
    return { entry: parsed };
  }

  /** Every valid entry; damaged files are left for `find` to report. */
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
      const parsed = parseEntry(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (typeof parsed !== 'string') entries.push(parsed);
    }
    return entries;
  }

  async remove(contentKey: string): Promise<void> {
    await rm(this.pathOf(contentKey), { force: true });
  }

  /** The file that holds the entry of a content key. */
  pathOf(contentKey: string): string {
    return join(this.dir, `${sha256Hex(contentKey).slice(0, 32)}.json`);
  }
}

/** Writes a journal entry visible at once (synchronous write and rename), then syncs it and its folder. */
export async function recordJournalFile(dir: string, path: string, entry: object): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(temp, `${JSON.stringify(entry)}\n`);
  renameSync(temp, path);
  await fsyncPath(path);
  await fsyncDirectory(dir);
}

const REQUIRED_STRINGS = ['contentKey', 'model', 'source', 'videoId', 'createdAt'] as const;
const OPTIONAL_STRINGS = ['taskId', 'uploadName', 'assetId'] as const;

/** The entry, or why the text is not one. */
function parseEntry(text: string): JournalEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'it is not valid JSON (cut short or overwritten)';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const record = value as Record<string, unknown>;
  for (const field of REQUIRED_STRINGS) {
    if (typeof record[field] !== 'string' || record[field] === '') return `field "${field}" is missing or not a string`;
  }
  for (const field of OPTIONAL_STRINGS) {
    if (record[field] !== undefined && (typeof record[field] !== 'string' || record[field] === ''))
      return `field "${field}" is not a string`;
  }
  if (record['apiVersion'] !== 'v1' && record['apiVersion'] !== 'v2') return 'field "apiVersion" is not v1 or v2';
  if (record['taskId'] === undefined && record['uploadName'] === undefined)
    return 'it names neither a task nor an asset';
  return record as unknown as JournalEntry;
}
