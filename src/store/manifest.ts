import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_EF, DEFAULT_EF_CONSTRUCTION, DEFAULT_EXACT_BELOW, DEFAULT_M } from '../defaults.js';
import { FormatVersionError, LibraryNotFoundError, StoreError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { FORMAT_VERSION } from './columns.js';
import type { QueryModality } from './search-ef.js';

export const MANIFEST_FILE = 'manifest.json';
const MANIFEST_FORMAT = 'vsearch-library';
/** What to do about a damaged or missing manifest, for error messages. */
export const RECOVER = '`doctor({ repair: true })` recovers a manifest from the intact segment files';

export interface SegmentFileEntry {
  name: string;
  rows: number;
  minLabel: number;
  maxLabel: number;
  bytes: number;
  /** sha256 of the file's bytes, checked whenever the file is read; absent in entries written before checksums. */
  sha256?: string;
}

/** A segment file a write unlisted but kept, because readers of older manifests may still read it. */
export interface RetiredFile {
  name: string;
  /** When it was unlisted: a later write deletes it once the grace period has passed. */
  since: string;
}

/** A file imported with `importSegments`, by the sha256 of its content: importing it again is a no-op. */
export interface ImportFileRecord {
  file: string;
  segments: number;
  importedAt: string;
}

/** An import record with the videos it brought (kept per video in the video-facts table, not in manifest.json). */
export interface ImportRecord extends ImportFileRecord {
  videos: string[];
}

/** One file of the video-facts table: the base (every video) or a delta a later write appended. */
export interface VideoFactsFileEntry {
  name: string;
  kind: 'base' | 'delta';
  rows: number;
  bytes: number;
  sha256: string;
}

/** The video-facts table (facts/): derived per-video data, so manifest.json holds O(files) entries. */
export interface VideoFactsList {
  /** The base first, then the deltas in the order written; empty for an empty library. */
  files: VideoFactsFileEntry[];
  /** Facts files a compaction unlisted, kept for readers of older manifests like retired segment files. */
  retired: RetiredFile[];
}

export interface VideoSummary {
  segments: number;
  /** The latest end_sec of the video's segments. */
  durationSec: number;
  /** fps, width, height and size read from its file at build, where the library kept them. */
  media?:
    | {
        fps?: number | undefined;
        width?: number | undefined;
        height?: number | undefined;
        sizeBytes?: number | undefined;
      }
    | undefined;
  /** When its first segments were committed, where the library kept it. */
  createdAt?: string | undefined;
  /** When its segments or user metadata last changed, where the library kept it. */
  updatedAt?: string | undefined;
}

export interface IndexSettings {
  M: number;
  efConstruction: number;
  /**
   * The search breadth of in-distribution queries once calibrated, or the one a caller set
   * (`efFixed`). Otherwise searches use `defaultSearchEf` (by size and query modality).
   */
  ef: number;
  /** Set by `setSearchEf`: every search uses `ef`, whatever its query's modality. */
  efFixed?: boolean;
  /** hnsw, exact, or auto (exact below `exactBelow` segments). */
  kind: 'auto' | 'hnsw' | 'exact';
  exactBelow: number;
  /** Set when `ef` was chosen by recall calibration (`vsearch bench --calibrate-recall`). */
  calibration?: RecallCalibrationRecord;
}

/** What the queries of a calibration were: cached query embeddings, a caller's sample, or the library's own vectors (optimistic). */
export type CalibrationSource = 'cached' | 'sample' | 'own';

/** One query modality's calibration: the ef chosen and what it was measured on. */
export interface ModalityCalibration {
  ef: number;
  /** The recall@k measured at `ef`. */
  recall: number;
  source: CalibrationSource;
  /** How many queries it was measured on. */
  count: number;
}

/** What a recall calibration measured when it chose the stored `ef`. */
export interface RecallCalibrationRecord {
  /** The recall@k asked for. */
  target: number;
  /** The recall@k measured at the chosen ef for in-distribution (video) queries. */
  recall: number;
  k: number;
  /** How many queries the in-distribution figure was measured on. */
  queries: number;
  /**
   * Each query modality measured (absent in records written before per-modality calibration:
   * those measured the library's own vectors only). A modality missing was not measured.
   */
  modalities?: Partial<Record<QueryModality, ModalityCalibration>>;
  /** Segments in the library when it was calibrated: more segments may need a larger ef. */
  segments: number;
  calibratedAt: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  /** The library's id: the `index_id` of search responses. */
  id: string;
  model: string | null;
  dimension: number | null;
  metric: 'cosine';
  createdAt: string;
  updatedAt: string;
  /** Bumped on every change; page tokens and caches of derived data key on it. */
  generation: number;
  nextLabel: number;
  index: IndexSettings;
  segmentFiles: SegmentFileEntry[];
  counts: { segments: number; videos: number };
  videos: Record<string, VideoSummary>;
  /** Content already embedded: dedupe key (sha256 + model + segmentation) -> the video holding it. */
  contents: Record<string, string>;
  /** Files imported so far: content sha256 -> what the import added. */
  imports: Record<string, ImportRecord>;
  /** Unlisted files kept for readers of older generations. */
  retired: RetiredFile[];
  /**
   * Where the per-video facts behind `videos`, `contents` and the import records' videos are
   * stored; absent in a manifest of the old layout, which holds them itself (converted by the next write).
   */
  videoFacts?: VideoFactsList;
}

/** manifest.json as written now: the per-video parts live in the video-facts table it names. */
export type ManifestFile = Omit<Manifest, 'videos' | 'contents' | 'imports' | 'videoFacts'> & {
  imports: Record<string, ImportFileRecord>;
  videoFacts: VideoFactsList;
};

/** manifest.json as read: the old layout (every video in it) or the current one. */
export type StoredManifest = { layout: 'legacy'; manifest: Manifest } | { layout: 'facts'; file: ManifestFile };

/** A new library's index settings (src/defaults.ts says why each). */
export const DEFAULT_INDEX_SETTINGS: IndexSettings = {
  M: DEFAULT_M,
  efConstruction: DEFAULT_EF_CONSTRUCTION,
  ef: DEFAULT_EF,
  kind: 'auto',
  exactBelow: DEFAULT_EXACT_BELOW,
};

export function emptyManifest(id: string, now: Date, index: IndexSettings): Manifest {
  const stamp = now.toISOString();
  return {
    format: MANIFEST_FORMAT,
    version: FORMAT_VERSION,
    id,
    model: null,
    dimension: null,
    metric: 'cosine',
    createdAt: stamp,
    updatedAt: stamp,
    generation: 0,
    nextLabel: 0,
    index,
    segmentFiles: [],
    counts: { segments: 0, videos: 0 },
    videos: {},
    contents: {},
    imports: {},
    retired: [],
  };
}

export async function readManifest(dir: string): Promise<StoredManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LibraryNotFoundError(
        `no vsearch library at ${dir} (${MANIFEST_FILE} is missing); create one with \`openLibrary(dir, { create: true })\`, or pass an existing library's folder as \`dir\``,
      );
    }
    throw new StoreError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StoreError(`${path} is not valid JSON; the library is damaged (${RECOVER})`, { cause: error });
  }
  return checkManifest(parsed, path);
}

function checkManifest(value: unknown, path: string): StoredManifest {
  if (typeof value !== 'object' || value === null)
    throw new StoreError(`${path} is not a vsearch manifest; the library is damaged (${RECOVER})`);
  const manifest = value as Partial<Manifest>;
  if (manifest.format !== MANIFEST_FORMAT)
    throw new FormatVersionError(
      `${path} is not a vsearch library manifest (format is ${JSON.stringify(manifest.format)})`,
    );
  if (manifest.version !== FORMAT_VERSION) {
    throw new FormatVersionError(
      `${path} is library format version ${String(manifest.version)}, but this vsearch reads version ${FORMAT_VERSION}; use a matching vsearch release or rebuild the library`,
    );
  }
  if (
    !Array.isArray(manifest.segmentFiles) ||
    typeof manifest.id !== 'string' ||
    typeof manifest.nextLabel !== 'number'
  ) {
    throw new StoreError(`${path} is missing required fields; the library is damaged (${RECOVER})`);
  }
  const facts = (value as { videoFacts?: unknown }).videoFacts;
  if (facts !== undefined) {
    if (!isFactsList(facts))
      throw new StoreError(`${path} has a malformed videoFacts list; the library is damaged (${RECOVER})`);
    return {
      layout: 'facts',
      file: {
        ...manifest,
        imports: manifest.imports ?? {},
        retired: manifest.retired ?? [],
        videoFacts: facts,
      } as ManifestFile,
    };
  }
  if (typeof manifest.videos !== 'object' || manifest.videos === null)
    throw new StoreError(
      `${path} lists neither its videos nor a videoFacts table; the library is damaged (${RECOVER})`,
    );
  return {
    layout: 'legacy',
    manifest: {
      ...manifest,
      contents: manifest.contents ?? {},
      imports: manifest.imports ?? {},
      retired: manifest.retired ?? [],
    } as Manifest,
  };
}

function isFactsList(value: unknown): value is VideoFactsList {
  if (typeof value !== 'object' || value === null) return false;
  const { files, retired } = value as Partial<VideoFactsList>;
  return (
    Array.isArray(files) &&
    Array.isArray(retired) &&
    files.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof entry.name === 'string' &&
        typeof entry.sha256 === 'string' &&
        typeof entry.bytes === 'number',
    )
  );
}

/** The manifest as the current layout writes it: without the per-video parts (compact JSON: it is read by machines). */
export function manifestFileOf(manifest: Manifest, videoFacts: VideoFactsList): ManifestFile {
  const { videos: _videos, contents: _contents, imports, videoFacts: _old, ...rest } = manifest;
  const records: Record<string, ImportFileRecord> = {};
  for (const [sha, record] of Object.entries(imports))
    records[sha] = { file: record.file, segments: record.segments, importedAt: record.importedAt };
  return { ...rest, imports: records, videoFacts };
}

/** Writes manifest.json atomically: the current layout (a ManifestFile), or the old one (a whole Manifest, as recovery writes). */
export async function writeManifest(dir: string, manifest: Manifest | ManifestFile): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
