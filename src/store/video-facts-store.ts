import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import type { VideoFactsFileEntry, VideoFactsList } from './manifest.js';
import { sha256Hex } from './sha256.js';
import type { VideoFact, VideoFacts, VideoFactsDelta } from './video-facts.js';

export const VIDEO_FACTS_DIR = 'facts';
/** The names facts files get: videos-<generation>-<random hex>.arrow. */
export const VIDEO_FACTS_FILE_NAME = /^videos-\d+-[0-9a-f]+\.arrow$/;
/**
 * When a write compacts the deltas into a new base: at this many deltas (so an open reads at
 * most this many small files), or once the deltas hold more rows than half the base (so the
 * deltas never outweigh what they save). A one-video write at 100k videos then writes a delta
 * of one row, and a base of 100k rows one write in MAX_DELTAS.
 */
export const MAX_DELTAS = 32;
const MIN_DELTA_ROWS_BEFORE_COMPACTING = 4096;

/**
 * Reads and applies every listed facts file, each checked against its size and sha256 first.
 * With `known` (the facts this process read for an earlier list), only what the new list adds
 * is read: nothing when it lists the same files, only the new deltas when it extends them.
 */
export async function readVideoFacts(
  dir: string,
  list: VideoFactsList,
  known?: { list: VideoFactsList; facts: VideoFacts },
): Promise<VideoFacts> {
  if (list.files.length === 0) return new Map();
  if (list.files[0]?.kind !== 'base') throw new StoreError(`the video facts list does not start with a base file`);
  const prefix =
    known !== undefined &&
    known.list.files.length > 0 &&
    known.list.files.length <= list.files.length &&
    known.list.files.every((entry, i) => list.files[i]?.name === entry.name && list.files[i]?.sha256 === entry.sha256);
  const from = prefix ? (known?.list.files.length ?? 0) : 0;
  if (prefix && known !== undefined && from === list.files.length) return known.facts;
  const facts = prefix && known !== undefined ? new Map(known.facts) : new Map<string, VideoFact>();
  const { applyVideoFactsFile } = await import('./video-facts-file.js');
  for (const entry of list.files.slice(from)) {
    const path = join(dir, VIDEO_FACTS_DIR, entry.name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new StoreError(
        `video facts file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        { cause: error },
      );
    }
    if (bytes.byteLength !== entry.bytes || sha256Hex(bytes) !== entry.sha256)
      throw new StoreError(`video facts file ${path} does not match its size and sha256 in the manifest (damaged)`);
    const rows = applyVideoFactsFile(entry.name, bytes, facts);
    if (rows !== entry.rows)
      throw new StoreError(`video facts file ${path} holds ${rows} rows, but the manifest lists ${entry.rows}`);
  }
  return facts;
}

/**
 * Writes what a commit changes in the facts table and returns the list the new manifest names:
 * a delta of the touched videos, or a new base of all `facts` (after `delta`) when the deltas are
 * due for compaction or `full` asks for one (a library converted from the old layout, or facts
 * rebuilt from the segment files). Files written are pushed on `written` for a failed commit to remove.
 */
export async function writeVideoFacts(
  dir: string,
  generation: number,
  list: VideoFactsList | undefined,
  facts: VideoFacts,
  delta: VideoFactsDelta,
  full: boolean,
  written: string[],
): Promise<VideoFactsList> {
  const current = list ?? { files: [], retired: [] };
  const changed = delta.upsert.size + delta.removed.size;
  if (!full && current.files.length > 0 && changed === 0) return current;
  const base = current.files[0];
  const deltas = current.files.slice(1);
  const deltaRows = deltas.reduce((sum, entry) => sum + entry.rows, 0) + changed;
  const compact =
    full ||
    base === undefined ||
    deltas.length + 1 >= MAX_DELTAS ||
    deltaRows > Math.max(MIN_DELTA_ROWS_BEFORE_COMPACTING, base.rows / 2);
  const { encodeVideoFacts } = await import('./video-facts-file.js');
  const bytes = compact ? encodeVideoFacts({ upsert: new Map(facts), removed: new Set() }) : encodeVideoFacts(delta);
  const name = `videos-${String(generation).padStart(6, '0')}-${randomBytes(4).toString('hex')}.arrow`;
  await mkdir(join(dir, VIDEO_FACTS_DIR), { recursive: true });
  written.push(name);
  await writeFileAtomic(join(dir, VIDEO_FACTS_DIR, name), bytes);
  const entry: VideoFactsFileEntry = {
    name,
    kind: compact ? 'base' : 'delta',
    rows: compact ? facts.size : changed,
    bytes: bytes.byteLength,
    sha256: sha256Hex(bytes),
  };
  if (!compact) return { files: [...current.files, entry], retired: current.retired };
  const since = new Date().toISOString();
  return {
    files: [entry],
    retired: [...current.retired, ...current.files.map((file) => ({ name: file.name, since }))],
  };
}
