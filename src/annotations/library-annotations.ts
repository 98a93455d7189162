import { isUrl } from '../build/discover-inputs.js';
import type { SegmentStore } from '../store/segment-store.js';
import type { AnnotationStore } from './annotation-store.js';
import { readAnnotationsJsonl } from './read-annotations-jsonl.js';
import { type LocalVideo, subtitleAnnotations } from './subtitle-files.js';

export interface AnnotationImportSummary {
  /** Annotations added. */
  annotations: number;
  /** Files whose annotations were added. */
  files: string[];
}

/** The library's videos embedded from local files, with the content each was embedded from. */
async function localVideos(store: SegmentStore): Promise<LocalVideo[]> {
  const videos: LocalVideo[] = [];
  for (const videoId of Object.keys(store.manifest.videos).sort()) {
    const rows = await store.segmentsOf(videoId);
    const source = rows?.source[0];
    const contentSha256 = rows?.contentSha256[0];
    if (source === undefined || contentSha256 === undefined || source === '' || isUrl(source)) continue;
    videos.push({ videoId, source, contentSha256 });
  }
  return videos;
}

/** Stores the cues of the subtitle files beside the library's local media that are not stored yet. Hold the write lock. */
export async function addSubtitles(
  store: SegmentStore,
  annotations: AnnotationStore,
): Promise<AnnotationImportSummary> {
  const { requests } = await annotations.manifest();
  const found = await subtitleAnnotations(await localVideos(store), (key) => requests[key] !== undefined);
  await annotations.append(found.rows, found.requests);
  return { annotations: found.rows.length, files: found.files };
}

/** Imports JSONL annotations, every file checked before any is stored; a file imported before adds nothing. Hold the write lock. */
export async function importAnnotationFiles(
  store: SegmentStore,
  annotations: AnnotationStore,
  files: readonly string[],
): Promise<AnnotationImportSummary> {
  const { requests: stored } = await annotations.manifest();
  const known = (videoId: string): boolean => store.manifest.videos[videoId] !== undefined;
  const read = [];
  for (const file of files) read.push({ file, ...(await readAnnotationsJsonl(file, known)) });
  const fresh = read.map(({ file, rows, requests }) => {
    const newRequests = requests.filter((request) => stored[request.key] === undefined);
    const videos = new Set(newRequests.map((request) => request.videoId));
    return { file, rows: rows.filter((row) => videos.has(row.videoId)), requests: newRequests };
  });
  const rows = fresh.flatMap((f) => f.rows);
  await annotations.append(
    rows,
    fresh.flatMap((f) => f.requests),
  );
  return { annotations: rows.length, files: fresh.filter((f) => f.rows.length > 0).map((f) => f.file) };
}
