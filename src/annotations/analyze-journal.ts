import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_DIR, recordJournalFile } from '../store/journal.js';
import { sha256Hex } from '../store/sha256.js';

/**
 * An analysis in flight, journaled like an embed purchase (src/store/journal.ts): before the
 * create request leaves (with the `customId` it carries, so a rerun can find a task whose id
 * never arrived) and again when its id arrives. Kept under journal/analyze/, apart from the
 * embed entries.
 */
export interface AnalyzeJournalEntry {
  /** The request key: content + request. */
  key: string;
  videoId: string;
  customId: string;
  createdAt: string;
  assetId?: string | undefined;
  taskId?: string | undefined;
}

export class AnalyzeJournal {
  readonly dir: string;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, JOURNAL_DIR, 'analyze');
  }

  /** Visible at once (an id is paid for when it arrives), then synced: as the embed journal. */
  async record(entry: AnalyzeJournalEntry): Promise<void> {
    await recordJournalFile(this.dir, this.pathOf(entry.key), entry);
  }

  /** The entry for a key; undefined when there is none or it cannot be used (then `onDamaged` says why, and the analysis starts anew). */
  async find(key: string, onDamaged: (message: string) => void): Promise<AnalyzeJournalEntry | undefined> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const optional = (v: unknown): boolean => v === undefined || (typeof v === 'string' && v !== '');
    if (
      r['key'] !== key ||
      typeof r['videoId'] !== 'string' ||
      typeof r['customId'] !== 'string' ||
      typeof r['createdAt'] !== 'string' ||
      !optional(r['assetId']) ||
      !optional(r['taskId'])
    ) {
      onDamaged(
        `analysis journal entry ${path} is damaged or names another request; dropped it, and the analysis starts anew`,
      );
      await this.remove(key);
      return undefined;
    }
    return r as unknown as AnalyzeJournalEntry;
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  pathOf(key: string): string {
    return join(this.dir, `${sha256Hex(key).slice(0, 32)}.json`);
  }
}
