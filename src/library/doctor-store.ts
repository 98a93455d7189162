import { join } from 'node:path';
import { LibraryNotFoundError, StoreError } from '../errors.js';
import { collectLabelFacts, type LabelFactsData } from '../query/label-facts-data.js';
import { MANIFEST_FILE, type Manifest, type SegmentFileEntry } from '../store/manifest.js';
import { manifestProblems } from '../store/manifest-checks.js';
import { readSegmentBytes } from '../store/read-segment-bytes.js';
import { decodeSegmentFile, type SegmentFile } from '../store/segment-file.js';
import { SEGMENTS_DIR } from '../store/segment-store.js';
import { sha256Hex } from '../store/sha256.js';
import type { VideoFacts } from '../store/video-facts.js';
import { loadManifestWithFacts } from '../store/video-facts-load.js';
import { VIDEO_FACTS_DIR } from '../store/video-facts-store.js';
import type { DoctorProblem } from './doctor-report.js';
import { SKETCH_WIDTH, writeSketch } from './vector-sketch.js';

export interface StoreLabels {
  /** 1 for every label the segment files hold, indexed by label. */
  present: Uint8Array;
  /** SKETCH_WIDTH numbers per label (vector-sketch.ts). */
  sketches: Float64Array;
}

export interface StoreCheck {
  manifest: Manifest | undefined;
  problems: DoctorProblem[];
  segmentFiles: number;
  segments: number;
  /** The labels the segment files hold and their vectors' sketches; undefined when a file could not be read. */
  labels: StoreLabels | undefined;
  /** The label facts gathered from the segment files, when every file was readable. */
  facts: LabelFactsData | undefined;
}

/** How far a stored vector's norm may be from 1 (they are stored L2-normalized, in float32). */
const NORM_TOLERANCE = 1e-3;

/**
 * Reads the manifest and every segment file it lists, one at a time: readable, of the
 * manifest's dimension and model, labels ascending within the entry's range, vectors finite
 * and unit length, and the file's sha256 when the manifest entry records one.
 */
export async function checkStore(dir: string, hasSegmentsDir: boolean): Promise<StoreCheck> {
  const problems: DoctorProblem[] = [];
  let manifest: Manifest;
  let factsProblem: string | undefined;
  let videoFacts: VideoFacts;
  try {
    ({ manifest, factsProblem, facts: videoFacts } = await loadManifestWithFacts(dir, { rebuild: false }));
  } catch (error) {
    if (error instanceof LibraryNotFoundError && !hasSegmentsDir) throw error;
    const missing = error instanceof LibraryNotFoundError;
    problems.push({
      file: MANIFEST_FILE,
      kind: missing ? 'manifest-missing' : 'manifest-damaged',
      message: `${missing ? 'the manifest is missing' : (error as Error).message}: the library cannot be opened, and a write must not run until the manifest is recovered from the segment files`,
      repaired: false,
    });
    return { manifest: undefined, problems, segmentFiles: 0, segments: 0, labels: undefined, facts: undefined };
  }
  problems.push(...inconsistencies(manifest, factsProblem === undefined ? videoFacts : undefined));
  if (factsProblem !== undefined) {
    problems.push({
      file: VIDEO_FACTS_DIR,
      kind: 'video-facts-damaged',
      message: `${factsProblem} (derived: opening the library rebuilds it in memory, a repair or the next write stores it)`,
      repaired: false,
    });
  }

  const labels: StoreLabels = {
    present: new Uint8Array(manifest.nextLabel),
    sketches: new Float64Array(manifest.nextLabel * SKETCH_WIDTH),
  };
  const perVideo = new Map<string, number>();
  let readable = true;
  let segments = 0;
  const files = async function* (): AsyncGenerator<SegmentFile> {
    for (const entry of manifest.segmentFiles) {
      const file = await checkSegmentFile(dir, entry, manifest, problems);
      if (file === undefined) {
        readable = false;
        continue;
      }
      segments += file.count;
      for (let row = 0; row < file.count; row++) {
        const label = file.labels[row] as number;
        if (label < labels.present.length) {
          labels.present[label] = 1;
          writeSketch(file.vectors, row * file.dimension, file.dimension, labels.sketches, label * SKETCH_WIDTH);
        }
        const video = file.string('video_id', row);
        perVideo.set(video, (perVideo.get(video) ?? 0) + 1);
      }
      yield file;
    }
  };
  const facts = await collectLabelFacts(files(), manifest.nextLabel, manifest.dimension ?? 0);
  if (readable && factsProblem === undefined) problems.push(...videoProblems(manifest, perVideo));
  return {
    manifest,
    problems,
    segmentFiles: manifest.segmentFiles.length,
    segments,
    labels: readable ? labels : undefined,
    facts: readable ? facts : undefined,
  };
}

function inconsistencies(manifest: Manifest, facts: VideoFacts | undefined): DoctorProblem[] {
  return manifestProblems(manifest, facts).map(inconsistency);
}

function inconsistency(what: string): DoctorProblem {
  return {
    file: MANIFEST_FILE,
    kind: 'manifest-inconsistent',
    message: `${what}; the manifest must be recovered from the segment files`,
    repaired: false,
  };
}

function videoProblems(manifest: Manifest, perVideo: ReadonlyMap<string, number>): DoctorProblem[] {
  const found: string[] = [];
  for (const [video, count] of perVideo) {
    const listed = manifest.videos[video]?.segments;
    if (listed !== count)
      found.push(
        `video ${JSON.stringify(video)} has ${count} segments in the files, but the manifest says ${listed ?? 'none'}`,
      );
  }
  for (const video of Object.keys(manifest.videos))
    if (!perVideo.has(video)) found.push(`video ${JSON.stringify(video)} is listed but no segment file holds it`);
  return found.slice(0, 20).map(inconsistency);
}

/** The checksum a manifest entry records, when the store wrote one (entries of older libraries have none). */
function recordedSha256(entry: SegmentFileEntry): string | undefined {
  const value = (entry as SegmentFileEntry & { sha256?: unknown }).sha256;
  return typeof value === 'string' ? value.replace(/^sha256:/, '') : undefined;
}

async function checkSegmentFile(
  dir: string,
  entry: SegmentFileEntry,
  manifest: Manifest,
  problems: DoctorProblem[],
): Promise<SegmentFile | undefined> {
  const file = join(SEGMENTS_DIR, entry.name);
  const lost = `its ${entry.rows} segments are lost to searches until the file is restored (from a backup) or the video is imported again`;
  const report = (kind: DoctorProblem['kind'], what: string): undefined => {
    problems.push({ file, kind, message: `${what}; ${lost}`, repaired: false });
    return undefined;
  };
  let bytes: Buffer;
  try {
    bytes = await readSegmentBytes(join(dir, file));
  } catch (error) {
    if (error instanceof StoreError) return report('segment-unreadable', error.message);
    const code = (error as NodeJS.ErrnoException).code;
    return report(
      code === 'ENOENT' ? 'segment-missing' : 'segment-unreadable',
      code === 'ENOENT'
        ? 'the segment file is missing'
        : `the segment file cannot be read (${(error as Error).message})`,
    );
  }
  const sha256 = recordedSha256(entry);
  if (sha256 !== undefined && sha256Hex(bytes) !== sha256)
    return report(
      'segment-checksum',
      'the segment file does not match the sha256 the manifest recorded (it is damaged)',
    );
  if (bytes.length !== entry.bytes)
    return report(
      'segment-mismatch',
      `the segment file has ${bytes.length} bytes, but the manifest recorded ${entry.bytes}`,
    );
  let segmentFile: SegmentFile;
  try {
    segmentFile = decodeSegmentFile(entry.name, bytes);
  } catch (error) {
    return report('segment-unreadable', (error as Error).message);
  }
  const { labels } = segmentFile;
  if (segmentFile.count !== entry.rows)
    return report(
      'segment-mismatch',
      `the segment file holds ${segmentFile.count} rows, but the manifest lists ${entry.rows}`,
    );
  if (segmentFile.dimension !== manifest.dimension)
    return report(
      'segment-mismatch',
      `the segment file holds ${segmentFile.dimension}-d vectors, but the library's are ${manifest.dimension}-d`,
    );
  if (segmentFile.model !== manifest.model)
    return report(
      'segment-mismatch',
      `the segment file holds ${segmentFile.model} embeddings, but the library holds ${manifest.model}`,
    );
  for (let row = 1; row < labels.length; row++)
    if ((labels[row] as number) <= (labels[row - 1] as number))
      return report('segment-mismatch', `its labels are not ascending at row ${row}`);
  if (labels.length > 0 && (labels[0] !== entry.minLabel || labels[labels.length - 1] !== entry.maxLabel)) {
    return report(
      'segment-mismatch',
      `its labels run ${labels[0]}-${labels[labels.length - 1]}, but the manifest says ${entry.minLabel}-${entry.maxLabel}`,
    );
  }
  const bad = badVectorRow(segmentFile);
  if (bad !== undefined)
    return report(
      'segment-vectors',
      `row ${bad} (label ${labels[bad]}) holds a vector that is not finite or not unit length (damaged), which would give wrong scores`,
    );
  return segmentFile;
}

function badVectorRow(file: SegmentFile): number | undefined {
  const { vectors, dimension } = file;
  for (let row = 0; row < file.count; row++) {
    let sum = 0;
    for (let j = row * dimension; j < (row + 1) * dimension; j++)
      sum += (vectors[j] as number) * (vectors[j] as number);
    if (!(Math.abs(Math.sqrt(sum) - 1) <= NORM_TOLERANCE)) return row;
  }
  return undefined;
}
