import { StoreError } from '../errors.js';
import type { SegmentStore } from './segment-store.js';

export interface SegmentFileCheck {
  name: string;
  rows: number;
  ok: boolean;
  /** What is wrong with the file, when it is not ok: missing, cut short, checksum mismatch, undecodable. */
  problem?: string;
  /** False for entries written before checksums: only size and decoding could be checked. */
  checksummed: boolean;
}

/**
 * Reads every segment file the manifest lists, one at a time and without keeping it, and
 * checks it against its entry (size, sha256, rows, labels, dimension). For `vsearch doctor`.
 */
export async function verifySegmentFiles(store: SegmentStore): Promise<SegmentFileCheck[]> {
  const checks: SegmentFileCheck[] = [];
  for (const entry of store.manifest.segmentFiles) {
    const base = { name: entry.name, rows: entry.rows, checksummed: entry.sha256 !== undefined };
    try {
      await store.readUncached(entry.name);
      checks.push({ ...base, ok: true });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      checks.push({ ...base, ok: false, problem: error.message });
    }
  }
  return checks;
}
