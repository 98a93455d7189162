import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import type { VideoSummary } from '../store/manifest.js';
import type { SegmentFile } from '../store/segment-file.js';
import type { SegmentStore } from '../store/segment-store.js';
import type { JsonValue, Metadata, VideoDetail, VideoInfo, VideoSegment } from '../types.js';

export type { VideoDetail, VideoInfo, VideoSegment } from '../types.js';

export interface GetVideoOptions {
  /** Include each segment's stored embedding. */
  vectors?: boolean | undefined;
}

/** A metadata patch: a key set to null is deleted, any other value replaces the key's. */
export type MetadataPatch = Readonly<Record<string, JsonValue>>;

interface Gathered {
  info: VideoInfo;
  options: Set<string>;
  scopes: Set<string>;
  rows: VideoSegment[];
}

/** Every video of the store, sorted by id. */
export async function listVideos(store: SegmentStore): Promise<VideoInfo[]> {
  const gathered = await gather(store, undefined, false);
  return [...gathered.values()]
    .map((video) => finish(video).info)
    .sort((a, b) => (a.video_id < b.video_id ? -1 : a.video_id > b.video_id ? 1 : 0));
}

export async function getVideo(
  store: SegmentStore,
  videoId: string,
  options: GetVideoOptions = {},
  holders?: ReadonlySet<string>,
): Promise<VideoDetail> {
  const stored = store.manifest.videos[videoId];
  if (stored === undefined) throw unknownVideo(videoId);
  const vectors = options.vectors ?? false;
  // The files the label facts say hold it, when they hold all of it; else every file.
  let video =
    holders === undefined
      ? undefined
      : (
          await gather(
            store,
            videoId,
            vectors,
            store.fileNames.filter((name) => holders.has(name)),
          )
        ).get(videoId);
  if (video?.rows.length !== stored.segments) video = (await gather(store, videoId, vectors)).get(videoId);
  if (video === undefined) throw unknownVideo(videoId);
  const { info } = finish(video);
  const { segments: _count, ...rest } = info;
  const segments = video.rows.sort(
    (a, b) => compareText(a.embedding_option, b.embedding_option) || a.start - b.start || a.label - b.label,
  );
  return { ...rest, segments };
}

function unknownVideo(videoId: string): InputError {
  return new InputError(
    `no video ${JSON.stringify(videoId)} in this library; \`vsearch videos\` (listVideos) lists what it holds`,
  );
}

/**
 * Checks a metadata patch (a JSON object within the JSON input limits) and returns the update
 * of one segment's metadata text it makes: its keys merged in, a null deleting its key.
 */
export function metadataUpdate(patch: unknown, videoId: string): (text: string) => string {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new InputError(
      `the metadata patch must be a JSON object (keys to set, null to delete one), got ${patch === null ? 'null' : Array.isArray(patch) ? 'an array' : typeof patch}`,
    );
  }
  // Round-tripped through its checked JSON text, so only JSON values remain.
  const clean = JSON.parse(checkJsonValue(patch, 'the metadata patch')) as Record<string, JsonValue>;
  return (text) => {
    const merged = { ...parseMetadata(text) };
    for (const [key, value] of Object.entries(clean)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return checkJsonValue(merged, `the metadata of video ${JSON.stringify(videoId)} after the patch`);
  };
}

async function gather(
  store: SegmentStore,
  only: string | undefined,
  vectors: boolean,
  files: Iterable<string> = store.fileNames,
): Promise<Map<string, Gathered>> {
  const created = createdAt(store);
  const videos = new Map<string, Gathered>();
  for (const name of files) {
    // Read outside the store's cache unless a search loaded it already: a listing must not keep every vector in memory.
    const file = store.isLoaded(name) ? await store.file(name) : await store.readUncached(name);
    for (let row = 0; row < file.count; row++) {
      const id = file.string('video_id', row);
      if (only !== undefined && id !== only) continue;
      let video = videos.get(id);
      if (video === undefined) {
        const info = { ...firstInfo(file, row, id, created.get(id)), ...storedFacts(store.manifest.videos[id]) };
        video = { info, options: new Set(), scopes: new Set(), rows: [] };
        videos.set(id, video);
      }
      addRow(video, file, row, vectors);
    }
  }
  return videos;
}

function firstInfo(file: SegmentFile, row: number, id: string, created: string | undefined): VideoInfo {
  const source = file.string('source', row);
  return {
    video_id: id,
    source,
    filename: source === '' ? '' : basename(source.replace(/[?#].*$/, '')),
    segments: 0,
    duration: 0,
    embedding_options: [],
    embedding_scopes: [],
    metadata: parseMetadata(file.string('metadata', row)),
    ...(created === undefined ? {} : { created_at: created }),
  };
}

/** What the library kept of a video beyond its rows: its times and media facts, each only where recorded. */
function storedFacts(summary: VideoSummary | undefined): Partial<VideoInfo> {
  const media = summary?.media;
  return {
    ...(summary?.createdAt === undefined ? {} : { created_at: summary.createdAt }),
    ...(summary?.updatedAt === undefined ? {} : { updated_at: summary.updatedAt }),
    ...(media?.fps === undefined ? {} : { fps: media.fps }),
    ...(media?.width === undefined ? {} : { width: media.width }),
    ...(media?.height === undefined ? {} : { height: media.height }),
    ...(media?.sizeBytes === undefined ? {} : { size: media.sizeBytes }),
  };
}

function addRow(video: Gathered, file: SegmentFile, row: number, vectors: boolean): void {
  const option = file.string('embedding_option', row);
  const scope = file.string('embedding_scope', row);
  const end = file.endSec[row] as number;
  video.info.segments++;
  video.info.duration = Math.max(video.info.duration, end);
  video.options.add(option);
  video.scopes.add(scope);
  video.rows.push({
    start: file.startSec[row] as number,
    end,
    embedding_option: option,
    embedding_scope: scope,
    label: file.labels[row] as number,
    ...(vectors ? { vector: Array.from(file.vector(row)) } : {}),
  });
}

function finish(video: Gathered): Gathered {
  video.info.embedding_options = [...video.options].sort(compareText);
  video.info.embedding_scopes = [...video.scopes].sort(compareText);
  return video;
}

/** The earliest recorded import of each video. */
function createdAt(store: SegmentStore): Map<string, string> {
  const created = new Map<string, string>();
  for (const record of Object.values(store.manifest.imports)) {
    for (const id of record.videos) {
      const known = created.get(id);
      if (known === undefined || record.importedAt < known) created.set(id, record.importedAt);
    }
  }
  return created;
}

/** A stored metadata text as an object (the store wrote it from an object; anything else reads as empty). */
function parseMetadata(text: string): Metadata {
  if (text === '') return {};
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
