import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { namesIn, removeCrashTempFiles, SEGMENT_FILE_NAME } from './crash-leftovers.js';
import { acquireWriteLock, type WriteLockOptions } from './library-lock.js';
import {
  DEFAULT_INDEX_SETTINGS,
  emptyManifest,
  type ImportFileRecord,
  MANIFEST_FILE,
  type Manifest,
  type SegmentFileEntry,
  type VideoFactsList,
  writeManifest,
} from './manifest.js';
import { readSegmentBytes } from './read-segment-bytes.js';
import type { SegmentFile } from './segment-file.js';
import { SEGMENTS_DIR } from './segment-store.js';
import { sha256Hex } from './sha256.js';
import { factsView } from './video-facts.js';
import { readVideoFacts } from './video-facts-store.js';

/** Where recovery moves the segment files it could not use: out of segments/, so no write deletes them. */
export const SET_ASIDE_DIR = 'segments-set-aside';

export interface RecoveredFile {
  name: string;
  rows: number;
}

export interface SetAsideFile {
  name: string;
  reason: string;
  /** Where the file is now (under SET_ASIDE_DIR). */
  movedTo: string;
}

export interface ManifestRecovery {
  /** What the old manifest was: absent, unreadable (not JSON or not a manifest), or readable (kept what it could). */
  previous: 'missing' | 'unreadable' | 'readable';
  generation: number;
  segments: number;
  videos: number;
  used: RecoveredFile[];
  setAside: SetAsideFile[];
  /** What the recovered manifest could not carry over, for the report. */
  notes: string[];
}

interface Candidate {
  name: string;
  generation: number;
  bytes: Uint8Array;
  file: SegmentFile;
}

/**
 * Rebuilds manifest.json from the segment files in segments/, as a new generation, holding
 * the write lock (for `vsearch doctor --repair`). Every file is read and validated; the ones
 * that cannot be used (undecodable, another model or dimension, labels out of order, a
 * checksum the old manifest recorded that no longer matches, labels another file also holds)
 * are moved to segments-set-aside/ and reported, never deleted. When two files hold the same
 * labels (a file `rm` rewrote, and the rewrite), the newer generation wins. What the old
 * manifest still says (id, settings, checksums, dedupe and import records, retired files)
 * is kept where it is readable.
 */
export async function recoverManifest(dir: string, options: WriteLockOptions = {}): Promise<ManifestRecovery> {
  const release = await acquireWriteLock(dir, options);
  try {
    return await recoverHoldingLock(dir);
  } finally {
    await release();
  }
}

async function recoverHoldingLock(dir: string): Promise<ManifestRecovery> {
  const segmentsDir = join(dir, SEGMENTS_DIR);
  await removeCrashTempFiles(dir, segmentsDir);
  const { previous, old } = await readOldManifest(dir);
  const notes: string[] = [];
  const recordedSha = new Map(
    (old?.segmentFiles ?? [])
      .filter((entry) => typeof entry.sha256 === 'string')
      .map((entry) => [entry.name, entry.sha256 as string]),
  );
  const retiredNames = new Set((old?.retired ?? []).map((file) => file.name));
  const { decodeSegmentFile } = await import('./segment-file.js');

  const candidates: Candidate[] = [];
  const rejected: Array<{ name: string; reason: string }> = [];
  for (const name of (await namesIn(segmentsDir)).filter((n) => n.endsWith('.arrow') && !n.startsWith('.')).sort()) {
    if (retiredNames.has(name)) continue;
    let bytes: Uint8Array;
    try {
      bytes = await readSegmentBytes(join(segmentsDir, name));
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      rejected.push({ name, reason: error.message });
      continue;
    }
    const recorded = recordedSha.get(name);
    if (recorded !== undefined && sha256Hex(bytes) !== recorded) {
      rejected.push({ name, reason: 'it does not match the sha256 the old manifest recorded (damaged)' });
      continue;
    }
    let file: SegmentFile;
    try {
      file = decodeSegmentFile(name, bytes);
    } catch (error) {
      rejected.push({ name, reason: (error as Error).message });
      continue;
    }
    const order = labelOrderProblem(file);
    if (order !== undefined) rejected.push({ name, reason: order });
    else candidates.push({ name, generation: Number(SEGMENT_FILE_NAME.exec(name)?.[1] ?? 0), bytes, file });
  }

  const model = old?.model ?? mostCommon(candidates.map((c) => c.file.model));
  const dimension = old?.dimension ?? mostCommon(candidates.map((c) => c.file.dimension));
  const fitting = candidates.filter((c) => {
    if (c.file.count === 0) rejected.push({ name: c.name, reason: 'it holds no rows' });
    else if (c.file.model !== model || c.file.dimension !== dimension)
      rejected.push({
        name: c.name,
        reason: `it holds ${c.file.dimension}-d ${c.file.model} vectors; the library holds ${String(dimension)}-d ${String(model)}`,
      });
    else return true;
    return false;
  });
  // Newest first: a rewrite made by `rm` supersedes the file it replaced.
  fitting.sort((a, b) => b.generation - a.generation || a.name.localeCompare(b.name));
  const used: Candidate[] = [];
  for (const candidate of fitting) {
    const clash = used.find((other) => overlaps(candidate.file, other.file));
    if (clash === undefined) used.push(candidate);
    else
      rejected.push({
        name: candidate.name,
        reason: `its labels overlap those of the newer ${clash.name} (likely the file a removal rewrote)`,
      });
  }
  used.sort((a, b) => (a.file.labels[0] as number) - (b.file.labels[0] as number));
  const onDisk = new Set([...candidates.map((c) => c.name), ...rejected.map((r) => r.name)]);
  for (const entry of old?.segmentFiles ?? []) {
    if (typeof entry.name === 'string' && !onDisk.has(entry.name))
      notes.push(
        `segment file ${entry.name}, listed by the old manifest${typeof entry.rows === 'number' ? ` with ${entry.rows} segments` : ''}, is gone: its segments are lost`,
      );
  }

  const setAside: SetAsideFile[] = [];
  if (rejected.length > 0) await mkdir(join(dir, SET_ASIDE_DIR), { recursive: true });
  for (const { name, reason } of rejected) {
    const movedTo = join(dir, SET_ASIDE_DIR, name);
    await rename(join(segmentsDir, name), movedTo);
    setAside.push({ name, reason, movedTo });
  }

  const manifest = rebuild(old, used, model ?? null, dimension ?? null, notes);
  await mkdir(segmentsDir, { recursive: true });
  await writeManifest(dir, manifest);
  return {
    previous,
    generation: manifest.generation,
    segments: manifest.counts.segments,
    videos: manifest.counts.videos,
    used: used.map((c) => ({ name: c.name, rows: c.file.count })),
    setAside,
    notes,
  };
}

function rebuild(
  old: Partial<Manifest> | undefined,
  used: readonly Candidate[],
  model: string | null,
  dimension: number | null,
  notes: string[],
): Manifest {
  const now = new Date();
  const base = emptyManifest(typeof old?.id === 'string' ? old.id : `lib_${randomBytes(12).toString('hex')}`, now, {
    ...DEFAULT_INDEX_SETTINGS,
    ...(old?.index ?? {}),
  });
  if (old?.id === undefined)
    notes.push(
      `the library got a new id, ${base.id}: page tokens and index_id references of the old one no longer apply`,
    );
  const videos: Manifest['videos'] = {};
  const segmentFiles: SegmentFileEntry[] = used.map(({ name, bytes, file }) => {
    for (let row = 0; row < file.count; row++) {
      const id = file.string('video_id', row);
      const summary = videos[id] ?? { segments: 0, durationSec: 0 };
      videos[id] = {
        segments: summary.segments + 1,
        durationSec: Math.max(summary.durationSec, file.endSec[row] as number),
      };
    }
    return {
      name,
      rows: file.count,
      minLabel: file.labels[0] as number,
      maxLabel: file.labels[file.count - 1] as number,
      bytes: bytes.byteLength,
      sha256: sha256Hex(bytes),
    };
  });
  const maxLabel = segmentFiles.reduce((max, entry) => Math.max(max, entry.maxLabel), -1);
  const fileGeneration = used.reduce((max, c) => Math.max(max, c.generation), 0);
  const present = new Set(Object.keys(videos));
  const contents = Object.fromEntries(Object.entries(old?.contents ?? {}).filter(([, holder]) => present.has(holder)));
  const imports = Object.fromEntries(
    Object.entries(old?.imports ?? {}).filter(([, record]) => record.videos.every((video) => present.has(video))),
  );
  if (old?.contents === undefined)
    notes.push(
      'the record of embedded content was lost: media already in the library may be embedded again by a build',
    );
  if (old?.imports === undefined)
    notes.push('the record of imported files was lost: importing one of them again adds its segments twice');
  if (old === undefined)
    notes.push(
      'with no readable manifest, files unlisted by a recent `rm` cannot be told apart: a video removed in the last minutes may be back',
    );
  const segments = segmentFiles.reduce((sum, entry) => sum + entry.rows, 0);
  return {
    ...base,
    createdAt: typeof old?.createdAt === 'string' ? old.createdAt : base.createdAt,
    model,
    dimension,
    // Past every earlier generation, so page tokens and caches of the old one are not reused.
    generation: Math.max(typeof old?.generation === 'number' ? old.generation : 0, fileGeneration) + 1,
    nextLabel: Math.max(maxLabel + 1, typeof old?.nextLabel === 'number' ? old.nextLabel : 0),
    segmentFiles,
    counts: { segments, videos: present.size },
    videos,
    contents,
    imports,
    retired: (old?.retired ?? []).filter((file) => !segmentFiles.some((entry) => entry.name === file.name)),
  };
}

async function readOldManifest(
  dir: string,
): Promise<{ previous: ManifestRecovery['previous']; old: Partial<Manifest> | undefined }> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { previous: 'missing', old: undefined };
    throw new StoreError(`cannot read ${join(dir, MANIFEST_FILE)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      (value as { format?: unknown }).format === 'vsearch-library'
    ) {
      return {
        previous: 'readable',
        old: await withVideoFacts(dir, value as Record<string, unknown>, saneParts(value as Record<string, unknown>)),
      };
    }
  } catch {
    // Not JSON: recovered from the segment files alone.
  }
  return { previous: 'unreadable', old: undefined };
}

/** The fields of a damaged manifest worth keeping, each only when it has the right shape. */
function saneParts(value: Record<string, unknown>): Partial<Manifest> {
  const parts: Partial<Manifest> = {};
  if (typeof value['id'] === 'string') parts.id = value['id'];
  if (typeof value['createdAt'] === 'string') parts.createdAt = value['createdAt'];
  if (typeof value['generation'] === 'number' && Number.isFinite(value['generation']))
    parts.generation = value['generation'];
  if (typeof value['model'] === 'string') parts.model = value['model'];
  if (typeof value['dimension'] === 'number') parts.dimension = value['dimension'];
  if (isObject(value['index'])) parts.index = value['index'] as unknown as Manifest['index'];
  if (Array.isArray(value['segmentFiles']))
    parts.segmentFiles = (value['segmentFiles'] as unknown[]).filter(isObject) as unknown as SegmentFileEntry[];
  if (isObject(value['contents'])) parts.contents = value['contents'] as Manifest['contents'];
  if (isObject(value['imports']))
    parts.imports = Object.fromEntries(
      Object.entries(value['imports']).filter(([, record]) => isObject(record) && Array.isArray(record['videos'])),
    ) as Manifest['imports'];
  if (Array.isArray(value['retired']))
    parts.retired = (value['retired'] as unknown[]).filter(
      (file): file is Manifest['retired'][number] => isObject(file) && typeof file['name'] === 'string',
    );
  // A lowered or damaged nextLabel is not kept below the labels in use (rebuild takes the larger).
  if (typeof value['nextLabel'] === 'number' && Number.isInteger(value['nextLabel']))
    parts.nextLabel = value['nextLabel'];
  return parts;
}

/**
 * The dedupe keys and import records' videos of a manifest of the current layout, from its
 * video-facts table when that is intact (they are not derivable from the segment files).
 */
async function withVideoFacts(
  dir: string,
  value: Record<string, unknown>,
  parts: Partial<Manifest>,
): Promise<Partial<Manifest>> {
  const list = value['videoFacts'];
  const imports = value['imports'];
  if (!isObject(list) || !Array.isArray(list['files']) || !Array.isArray(list['retired']) || !isObject(imports))
    return parts;
  try {
    const facts = await readVideoFacts(dir, list as unknown as VideoFactsList);
    const records = Object.fromEntries(Object.entries(imports).filter(([, record]) => isObject(record))) as Record<
      string,
      ImportFileRecord
    >;
    const view = factsView(facts, records);
    return { ...parts, contents: view.contents, imports: view.imports };
  } catch (error) {
    if (error instanceof StoreError) return parts;
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function labelOrderProblem(file: SegmentFile): string | undefined {
  for (let i = 1; i < file.count; i++) {
    if ((file.labels[i] as number) <= (file.labels[i - 1] as number))
      return `its labels are not strictly ascending at row ${i + 1}`;
  }
  return undefined;
}

function overlaps(a: SegmentFile, b: SegmentFile): boolean {
  return (
    (a.labels[0] as number) <= (b.labels[b.count - 1] as number) &&
    (b.labels[0] as number) <= (a.labels[a.count - 1] as number)
  );
}

function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}
