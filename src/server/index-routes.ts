import { IndexNameTakenError, InputError, UnknownIndexError } from '../errors.js';
import { HttpFailure, invalid, type Reply, readJson } from '../http/index.js';
import { MAX_JSON_BYTES } from '../json-limits.js';
import type { IndexView } from './index-source.js';
import { type ListParams, listParams, pageOf, sortItems } from './list-params.js';
import type { ServeContext } from './serve-context.js';

/** The API's `Index` object. */
function apiIndex(view: IndexView): Record<string, unknown> {
  return {
    _id: view.id,
    index_name: view.name,
    models: view.models,
    addons: view.addons,
    video_count: view.videoCount,
    total_duration: view.totalDuration,
    created_at: view.createdAt,
    updated_at: view.updatedAt,
  };
}

/** What the library root throws, as the API's index errors. */
function indexFailure(error: unknown): unknown {
  if (error instanceof IndexNameTakenError)
    return new HttpFailure(400, 'index_name_already_exists', `${error.message}.`);
  if (error instanceof UnknownIndexError) return new HttpFailure(400, 'index_not_exists', `${error.message}.`);
  if (error instanceof InputError) return new HttpFailure(400, 'parameter_invalid', `${error.message}.`);
  return error;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw indexFailure(error);
  }
}

export async function createIndex(ctx: ServeContext): Promise<Reply> {
  const body = await readJson(ctx.req, MAX_JSON_BYTES);
  const view = await mapped(() => ctx.indexes.create(body));
  return { status: 201, body: { _id: view.id } };
}

const INDEX_SORTS = ['created_at', 'updated_at', 'index_name'] as const;

function indexFilter(params: ListParams, url: URL): (view: IndexView) => boolean {
  const name = url.searchParams.get('index_name');
  const family = url.searchParams.get('model_family');
  if (family !== null && family !== 'marengo' && family !== 'pegasus')
    throw invalid('model_family', `Use marengo or pegasus; got ${JSON.stringify(family)}.`);
  const options = url.searchParams
    .get('model_options')
    ?.split(',')
    .map((option) => option.trim())
    .filter((option) => option !== '');
  return (view) =>
    (name === null || view.name === name) &&
    (family === null || view.models.some((model) => model.model_name.toLowerCase().startsWith(family))) &&
    (options === undefined ||
      options.every((option) => view.models.some((model) => model.model_options.includes(option)))) &&
    params.since('created_at', view.createdAt) &&
    params.since('updated_at', view.updatedAt);
}

export async function listIndexes(ctx: ServeContext): Promise<Reply> {
  const params = listParams(ctx.url, INDEX_SORTS);
  const views = (await ctx.indexes.list()).filter(indexFilter(params, ctx.url));
  const sorted = sortItems(views, params, (view, field) =>
    field === 'index_name' ? view.name : field === 'updated_at' ? view.updatedAt : view.createdAt,
  );
  return { status: 200, body: pageOf(sorted.map(apiIndex), params) };
}

export async function retrieveIndex(ctx: ServeContext): Promise<Reply> {
  return { status: 200, body: apiIndex(await ctx.indexes.view(ctx.params['index_id'] ?? '')) };
}

export async function updateIndex(ctx: ServeContext): Promise<Reply> {
  const body = await readJson(ctx.req, MAX_JSON_BYTES);
  await mapped(() => ctx.indexes.rename(ctx.params['index_id'] ?? '', body['index_name']));
  return { status: 200 };
}

export async function deleteIndex(ctx: ServeContext): Promise<Reply> {
  await ctx.indexes.view(ctx.params['index_id'] ?? '');
  await ctx.tasks?.closeIndex(ctx.params['index_id'] ?? '');
  await mapped(() => ctx.indexes.remove(ctx.params['index_id'] ?? ''));
  return { status: 200 };
}
