import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexMismatchError } from '../errors.js';
import { decodeFactsFile, encodeFactsFile, FACTS_FILE } from '../query/facts-file.js';
import { LabelFacts } from '../query/label-facts.js';
import { collectLabelFacts, type FactsRows, type LabelFactsData } from '../query/label-facts-data.js';
import { savedFactsRows } from '../query/saved-facts-rows.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import type { SegmentStore } from '../store/segment-store.js';
import { fingerprintOf } from './fingerprint.js';
import { INDEX_DIR } from './index-dir.js';

export interface FactsSyncOptions {
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * The label facts of the store's current files: read from index/facts.bin when it was
 * written for exactly these files, else gathered from the store and written back
 * atomically (a reader that cannot write, such as a read-only library, still gets them).
 */
export async function syncFacts(store: SegmentStore, options: FactsSyncOptions = {}): Promise<LabelFacts> {
  const manifest = store.manifest;
  return LabelFacts.over(manifest, await syncFactsData(store, options));
}

/**
 * syncFacts for a write, which needs the facts saved and their arrays, not the search's view of
 * them. `read`: facts.bin as the write read it under its lock (savedFacts), so it is not decoded twice.
 */
export async function syncFactsData(
  store: SegmentStore,
  options: FactsSyncOptions = {},
  read?: SavedFacts,
): Promise<LabelFactsData> {
  const dir = join(store.dir, INDEX_DIR);
  const path = join(dir, FACTS_FILE);
  const fingerprint = fingerprintOf(store.fileNames);
  const saved = read ?? (await readSaved(path, options));
  if (
    saved !== undefined &&
    saved.fingerprint === fingerprint &&
    saved.data.dimension === (store.manifest.dimension ?? 0) &&
    saved.data.video.length === store.manifest.nextLabel
  ) {
    return saved.data;
  }
  const manifest = store.manifest;
  // Saved facts of other files still hold those of every file this generation kept.
  const kept =
    saved !== undefined && saved.data.dimension === (manifest.dimension ?? 0) ? savedFactsRows(saved.data) : undefined;
  const data = await collectLabelFacts(readEach(store, kept), manifest.nextLabel, manifest.dimension ?? 0);
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path, encodeFactsFile(data, fingerprint));
  } catch (error) {
    options.onWarning?.(
      `cannot save the label facts to ${path} (${(error as Error).message}); searches gather them from the store until it can`,
    );
  }
  return data;
}

/**
 * The store's files one by one, read outside the store's cache: gathering facts must not leave
 * every vector in memory (the store's cached copy is used when a search already loaded it).
 * A file in `kept` is not read at all.
 */
async function* readEach(
  store: SegmentStore,
  kept: ReadonlyMap<string, FactsRows> | undefined,
): AsyncGenerator<FactsRows> {
  for (const name of store.fileNames) {
    const saved = kept?.get(name);
    if (saved !== undefined) yield saved;
    else yield store.isLoaded(name) ? await store.file(name) : await store.readUncached(name);
  }
}

/** Label facts as saved in index/facts.bin, with the fingerprint of the files they were gathered from. */
export type SavedFacts = ReturnType<typeof decodeFactsFile>;

/** The label facts last saved (index/facts.bin), of whatever files they were gathered from; undefined when there are none or they are damaged. */
export async function savedFacts(store: SegmentStore): Promise<SavedFacts | undefined> {
  return readSaved(join(store.dir, INDEX_DIR, FACTS_FILE), {});
}

async function readSaved(
  path: string,
  options: FactsSyncOptions,
): Promise<ReturnType<typeof decodeFactsFile> | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // Derived data: whatever keeps it from being read, it is gathered from the store instead.
    options.onWarning?.(
      `cannot read the label facts ${path} (${(error as Error).message}); they are gathered from the store`,
    );
    return undefined;
  }
  try {
    return decodeFactsFile(bytes, path);
  } catch (error) {
    if (!(error instanceof IndexMismatchError)) throw error;
    options.onWarning?.(error.message);
    return undefined;
  }
}
