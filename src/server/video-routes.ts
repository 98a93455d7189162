import { InputError } from '../errors.js';
import { HttpFailure, invalid, isRecord, notFound, type Reply, readJson } from '../http/index.js';
import { MAX_JSON_BYTES } from '../json-limits.js';
import type { VideoDetail, VideoInfo } from '../library/index.js';
import type { JsonValue } from '../types.js';
import type { ServedLibrary, VideoLibrary } from './index-source.js';
import { listParams, pageOf, sortItems } from './list-params.js';
import type { ServeContext } from './serve-context.js';
import { inRange, metadataMatches, metadataParam, rangeParam } from './video-filters.js';

export type Served = ServedLibrary & VideoLibrary;

const hasVideos = (library: ServedLibrary): library is Served =>
  typeof library.listVideos === 'function' &&
  typeof library.getVideo === 'function' &&
  typeof library.updateVideoMetadata === 'function' &&
  typeof library.removeVideo === 'function';

export async function videoLibrary(ctx: ServeContext): Promise<Served> {
  const library = await ctx.indexes.library(ctx.params['index_id'] ?? '');
  if (!hasVideos(library))
    throw new HttpFailure(
      501,
      'not_implemented',
      'This server was given a library without video listing; serve a library opened with openLibrary.',
    );
  return library;
}

function knownVideo(library: Served, ctx: ServeContext): string {
  const id = ctx.params['video_id'] ?? '';
  if (library.manifest.videos[id] === undefined) throw notFound(id, `index ${library.manifest.id}`);
  return id;
}

/** A video's times: as the library recorded them, else its import's, else the library's creation. */
function timesOf(
  video: Pick<VideoInfo, 'created_at' | 'updated_at'>,
  library: Served,
): { created_at: string; updated_at: string; indexed_at: string } {
  const created = video.created_at ?? library.manifest.createdAt;
  return { created_at: created, updated_at: video.updated_at ?? created, indexed_at: created };
}

/**
 * The API's system_metadata: fps, width, height and size only where the library kept them (none
 * are invented). The spec's video retrieve has no size (its list and indexed assets have).
 */
export function systemMetadata(video: Omit<VideoInfo, 'segments'>, withSize = true): Record<string, unknown> {
  return {
    filename: video.filename,
    duration: video.duration,
    ...(video.fps === undefined ? {} : { fps: video.fps }),
    ...(video.width === undefined ? {} : { width: video.width }),
    ...(video.height === undefined ? {} : { height: video.height }),
    ...(video.size === undefined || !withSize ? {} : { size: video.size }),
  };
}

/** The API's `videoVector` (a list entry). */
function apiVideoEntry(video: VideoInfo, library: Served): Record<string, unknown> {
  return {
    _id: video.video_id,
    ...timesOf(video, library),
    system_metadata: systemMetadata(video),
    user_metadata: video.metadata,
  };
}

const SORTS = ['created_at', 'updated_at'] as const;

export async function listVideos(ctx: ServeContext): Promise<Reply> {
  const library = await videoLibrary(ctx);
  const { url } = ctx;
  const params = listParams(url, SORTS);
  const filename = url.searchParams.get('filename');
  const duration = rangeParam(url, 'duration');
  const media = (['fps', 'width', 'height', 'size'] as const).map((field) => ({
    field,
    range: rangeParam(url, field),
  }));
  const metadata = metadataParam(url);
  const videos = (await library.listVideos()).filter(
    (video) =>
      (filename === null || video.filename === filename) &&
      inRange(video.duration, duration) &&
      // A video whose file facts were not kept (imported, or built before they were) matches no filter on them.
      media.every(({ field, range }) => inRange(video[field], range)) &&
      metadataMatches(video.metadata, metadata) &&
      params.since('created_at', timesOf(video, library).created_at) &&
      params.since('updated_at', timesOf(video, library).updated_at),
  );
  const sorted = sortItems(videos, params, (video, field) =>
    field === 'updated_at' ? timesOf(video, library).updated_at : timesOf(video, library).created_at,
  );
  return {
    status: 200,
    body: pageOf(
      sorted.map((video) => apiVideoEntry(video, library)),
      params,
    ),
  };
}

const EMBEDDING_OPTIONS = ['visual', 'audio', 'transcription'];

/** The stored options an API embedding_option asks for (Marengo 2.7 stores visual-text). */
function optionMatches(asked: readonly string[], stored: string): boolean {
  return asked.some((option) => stored === option || stored.startsWith(`${option}-`));
}

export function apiEmbedding(
  video: VideoDetail,
  asked: readonly string[],
  model: string | null,
): Record<string, unknown> {
  const segments = video.segments
    .filter((segment) => optionMatches(asked, segment.embedding_option))
    .map((segment) => ({
      float: segment.vector ?? [],
      start_offset_sec: segment.start,
      end_offset_sec: segment.end,
      embedding_option: segment.embedding_option,
      embedding_scope: segment.embedding_scope,
    }));
  return { model_name: model ?? '', video_embedding: { segments } };
}

/** The `embedding_option` values a retrieve asks for, checked. */
export function embeddingOptionsAsked(url: URL): string[] {
  const asked = url.searchParams.getAll('embedding_option');
  const unknown = asked.filter((option) => !EMBEDDING_OPTIONS.includes(option));
  if (unknown.length > 0)
    throw invalid(
      'embedding_option',
      `Use ${EMBEDDING_OPTIONS.join(', ')}; got ${unknown.map((option) => JSON.stringify(option)).join(', ')}.`,
    );
  return asked;
}

export async function retrieveVideo(ctx: ServeContext): Promise<Reply> {
  const library = await videoLibrary(ctx);
  const id = knownVideo(library, ctx);
  const asked = embeddingOptionsAsked(ctx.url);
  const video = await library.getVideo(id, { vectors: asked.length > 0 });
  const body: Record<string, unknown> = {
    _id: id,
    ...timesOf(video, library),
    system_metadata: systemMetadata(video, false),
    user_metadata: video.metadata,
  };
  if (asked.length > 0) body['embedding'] = apiEmbedding(video, asked, library.manifest.model);
  return { status: 200, body };
}

/** `user_metadata` of an update: keys with string, number or boolean values; null deletes a key. */
function metadataPatch(body: Record<string, unknown>): Record<string, JsonValue> {
  const patch = body['user_metadata'];
  if (!isRecord(patch))
    throw invalid('user_metadata', 'It must be an object of keys and string, number, boolean or null values.');
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw invalid(`user_metadata.${key}`, 'Convert objects and arrays to strings before sending them.');
  }
  return patch as Record<string, JsonValue>;
}

export async function updateVideo(ctx: ServeContext): Promise<Reply> {
  const library = await videoLibrary(ctx);
  const id = knownVideo(library, ctx);
  const patch = metadataPatch(await readJson(ctx.req, MAX_JSON_BYTES));
  try {
    await library.updateVideoMetadata(id, patch, { signal: ctx.signal });
  } catch (error) {
    if (error instanceof InputError) throw invalid('user_metadata', `${error.message}.`);
    throw error;
  }
  return { status: 200 };
}

export async function deleteVideo(ctx: ServeContext): Promise<Reply> {
  const library = await videoLibrary(ctx);
  await library.removeVideo(knownVideo(library, ctx));
  return { status: 200 };
}
