import { InputError } from '../errors.js';
import { invalid, isRecord, missing, notFound, type Reply, readJson } from '../http/index.js';
import { MAX_JSON_BYTES } from '../json-limits.js';
import type { UploadTask, UploadTaskStatus } from '../tasks/index.js';
import type { Metadata } from '../types.js';
import { listParams, pageOf, sortItems, statusParam } from './list-params.js';
import type { ServeContext } from './serve-context.js';
import { type TaskHub, taskHubOf } from './task-hub.js';
import { inRange, metadataMatches, metadataParam, rangeParam } from './video-filters.js';
import { apiEmbedding, embeddingOptionsAsked, systemMetadata, videoLibrary } from './video-routes.js';

/** An upload task's status in the indexed-asset terms of the API (`IndexedAssetStatus`). */
const STATUS: Readonly<Record<UploadTaskStatus, string>> = {
  validating: 'pending',
  pending: 'queued',
  indexing: 'indexing',
  ready: 'ready',
  failed: 'failed',
};
const STATUSES = ['ready', 'pending', 'queued', 'indexing', 'failed'];
const SORTS = ['created_at', 'updated_at'] as const;

const hubOf = (ctx: ServeContext): TaskHub => taskHubOf(ctx.tasks, 'index assets');

/** The API's `indexedAsset`: its id is the video's. */
function apiIndexedAsset(task: UploadTask): Record<string, unknown> {
  return {
    _id: task.video_id,
    asset_id: task.asset_id,
    created_at: task.created_at,
    updated_at: task.updated_at,
    ...(task.status === 'ready' ? { indexed_at: task.updated_at } : {}),
    status: STATUS[task.status],
    system_metadata: task.system_metadata ?? {},
    // vsearch's own: why indexing failed, in the API's error terms.
    ...(task.error === undefined ? {} : { error: task.error }),
  };
}

/** `user_metadata` of a create: an object of string, number or boolean values. */
function createMetadata(value: unknown): Metadata {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid('user_metadata', 'It must be an object of keys and values.');
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean')
      throw invalid(`user_metadata.${key}`, 'Values must be strings, numbers or booleans.');
  }
  return value as Metadata;
}

export async function createIndexedAsset(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const body = await readJson(ctx.req, MAX_JSON_BYTES);
  const assetId = body['asset_id'];
  if (assetId === undefined || assetId === '') throw missing('asset_id');
  if (typeof assetId !== 'string' || !/^[\w-]+$/.test(assetId))
    throw invalid('asset_id', 'It must be the _id of an asset (letters, digits, _ and -).');
  const metadata = createMetadata(body['user_metadata']);
  const task = await hub.createFromAsset(ctx.params['index_id'] ?? '', assetId, metadata, ctx.signal);
  return { status: 202, body: { _id: task.video_id, asset_id: assetId } };
}

function assetFilter(url: URL): (task: UploadTask) => boolean {
  const statuses = statusParam(url, STATUSES);
  const filename = url.searchParams.get('filename');
  const ranges = (['duration', 'fps', 'width', 'height', 'size'] as const).map((field) => ({
    field,
    range: rangeParam(url, field),
  }));
  const metadata = metadataParam(url, ['status']);
  return (task) =>
    (statuses.length === 0 || statuses.includes(STATUS[task.status])) &&
    (filename === null || task.system_metadata?.filename === filename) &&
    ranges.every(({ field, range }) => inRange(task.system_metadata?.[field], range)) &&
    metadataMatches(task.user_metadata, metadata);
}

export async function listIndexedAssets(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const params = listParams(ctx.url, SORTS);
  const keep = assetFilter(ctx.url);
  const { tasks } = await hub.indexedAssets(ctx.params['index_id'] ?? '');
  const kept = tasks.filter(
    (task) => keep(task) && params.since('created_at', task.created_at) && params.since('updated_at', task.updated_at),
  );
  const sorted = sortItems(kept, params, (task, field) => (field === 'updated_at' ? task.updated_at : task.created_at));
  return { status: 200, body: pageOf(sorted.map(apiIndexedAsset), params) };
}

async function indexedAsset(ctx: ServeContext): Promise<UploadTask> {
  const indexId = ctx.params['index_id'] ?? '';
  const id = ctx.params['video_id'] ?? '';
  const { tasks } = await hubOf(ctx).indexedAssets(indexId);
  const task = tasks.find((entry) => entry.video_id === id);
  if (task === undefined) throw notFound(id, `the indexed assets of index ${indexId}`);
  return task;
}

/** The API's `indexedAssetDetailed`: with the video's user metadata, and its segments when asked, once ready. */
export async function retrieveIndexedAsset(ctx: ServeContext): Promise<Reply> {
  const task = await indexedAsset(ctx);
  const asked = embeddingOptionsAsked(ctx.url);
  const body: Record<string, unknown> = { ...apiIndexedAsset(task), user_metadata: task.user_metadata };
  const library = await videoLibrary(ctx);
  const video =
    task.status === 'ready'
      ? await storedVideo(() => library.getVideo(task.video_id ?? '', { vectors: asked.length > 0 }))
      : undefined;
  if (video !== undefined) {
    body['system_metadata'] = { ...task.system_metadata, ...systemMetadata(video) };
    body['user_metadata'] = video.metadata;
    if (asked.length > 0) body['embedding'] = apiEmbedding(video, asked, library.manifest.model);
  }
  return { status: 200, body };
}

/** Deletes the indexed asset: its task record (a running one cannot be) and its video; the upstream asset stays. */
export async function deleteIndexedAsset(ctx: ServeContext): Promise<Reply> {
  const task = await indexedAsset(ctx);
  await hubOf(ctx).cancel(task.id);
  const library = await videoLibrary(ctx);
  await storedVideo(() => library.removeVideo(task.video_id ?? ''));
  return { status: 200 };
}

/**
 * `work` on the task's video, or undefined when the library no longer holds it (deleted through
 * the videos routes). Through the library's own methods, which follow changes on disk first.
 */
async function storedVideo<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InputError && error.message.startsWith('no video ')) return undefined;
    throw error;
  }
}

/** `GET /assets/{asset_id}/indexed-assets`: the indexed assets of this server made from that asset, with their index. */
export async function listIndexedAssetsOfAsset(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const assetId = ctx.params['asset_id'] ?? '';
  const params = listParams(ctx.url, SORTS);
  const tasks = (await hub.list()).filter((task) => task.asset_id === assetId);
  const names = new Map((await ctx.indexes.list()).map((view) => [view.id, view.name]));
  const sorted = sortItems(tasks, params, (task) => task.created_at);
  return {
    status: 200,
    body: pageOf(
      sorted.map((task) => ({
        _id: task.video_id,
        index: { _id: task.index_id, name: names.get(task.index_id) ?? '' },
      })),
      params,
    ),
  };
}
