import { rm } from 'node:fs/promises';
import {
  announcedTooLarge,
  HttpFailure,
  invalid,
  isRecord,
  limitedBody,
  missing,
  type Reply,
  readMultipart,
  type UploadedFile,
} from '../http/index.js';
import { checkUpload, type UploadTask } from '../tasks/index.js';
import type { Metadata } from '../types.js';
import { listParams, pageOf, sortItems, statusParam } from './list-params.js';
import type { ServeContext } from './serve-context.js';
import { type TaskHub, taskHubOf } from './task-hub.js';
import { inRange, rangeParam } from './video-filters.js';

/** Room for the form's text fields beside the file, within the announced body size. */
const FORM_FIELDS_BYTES = 1024 * 1024;
const STATUSES = ['validating', 'pending', 'indexing', 'ready', 'failed'];
const SORTS = ['created_at', 'updated_at'] as const;

const hubOf = (ctx: ServeContext): TaskHub => taskHubOf(ctx.tasks, 'run upload tasks');

/** The API's task object (`tasks_retrieve_Response_200`, `videoIndexingTask`). */
function apiTask(task: UploadTask): Record<string, unknown> {
  const body: Record<string, unknown> = {
    _id: task.id,
    index_id: task.index_id,
    status: task.status,
    created_at: task.created_at,
    updated_at: task.updated_at,
  };
  if (task.video_id !== undefined && task.status === 'ready') body['video_id'] = task.video_id;
  const facts = task.system_metadata;
  if (facts !== undefined) {
    const { filename, duration, width, height } = facts;
    body['system_metadata'] = {
      filename,
      ...(duration === undefined ? {} : { duration }),
      ...(width === undefined ? {} : { width }),
      ...(height === undefined ? {} : { height }),
    };
  }
  // vsearch's own: why a task failed, in the API's error terms.
  if (task.error !== undefined) body['error'] = task.error;
  return body;
}

/** `user_metadata`: a JSON-encoded object of string, number or boolean values. */
function userMetadata(raw: string | undefined): Metadata {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('user_metadata', 'Send it as a JSON-encoded object, such as {"category":"news"}.');
  }
  if (!isRecord(parsed)) throw invalid('user_metadata', 'It must be a JSON object of keys and values.');
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw invalid(`user_metadata.${key}`, 'Values must be strings, numbers or booleans.');
  }
  return parsed as Metadata;
}

async function createFromFile(
  hub: TaskHub,
  indexId: string,
  file: UploadedFile,
  metadata: Metadata,
  maxBytes: number,
): Promise<UploadTask> {
  const path = file.path;
  if (path === undefined) throw new HttpFailure(500, 'internal_error', 'The uploaded file was not kept.');
  try {
    // The prerequisites are checked on the upload before a task exists, as the API refuses such a file at once.
    const { problem } = await checkUpload(path, maxBytes);
    if (problem !== undefined) throw new HttpFailure(400, problem.code, problem.message, { field: 'video_file' });
    return await hub.create(indexId, { upload: { path, filename: file.filename }, userMetadata: metadata });
  } finally {
    await rm(path, { force: true });
  }
}

export async function createTask(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const limit = ctx.settings.maxUploadBytes;
  const bodyLimit = limit + FORM_FIELDS_BYTES;
  const tooLarge = (): HttpFailure =>
    new HttpFailure(
      413,
      'video_filesize_too_large',
      `The upload exceeds this server's limit of ${limit} bytes for a video file (the maxUploadBytes option of serve).`,
    );
  if (announcedTooLarge(ctx.req, bodyLimit)) throw tooLarge();
  const form = await readMultipart(limitedBody(ctx.req, bodyLimit, tooLarge), {
    spoolDir: ctx.spoolDir,
    fileBytes: limit,
    files: 1,
    fieldBytes: FORM_FIELDS_BYTES,
  });
  const file = form.file('video_file');
  try {
    const indexId = form.get('index_id');
    if (indexId === undefined || indexId === '') throw missing('index_id');
    const videoUrl = form.get('video_url');
    if ((file === undefined) === (videoUrl === undefined))
      throw invalid(file === undefined ? 'video_file' : 'video_url', 'Give exactly one of video_file and video_url.');
    const metadata = userMetadata(form.get('user_metadata'));
    const task =
      file === undefined
        ? await hub.create(indexId, { videoUrl, userMetadata: metadata })
        : await createFromFile(hub, indexId, file, metadata, limit);
    return { status: 200, body: { _id: task.id, ...(task.video_id === undefined ? {} : { video_id: task.video_id }) } };
  } finally {
    if (file?.path !== undefined) await rm(file.path, { force: true });
  }
}

function taskFilter(url: URL): (task: UploadTask) => boolean {
  const indexId = url.searchParams.get('index_id');
  const statuses = statusParam(url, STATUSES);
  const filename = url.searchParams.get('filename');
  const duration = rangeParam(url, 'duration');
  const width = rangeParam(url, 'width');
  const height = rangeParam(url, 'height');
  return (task) =>
    (indexId === null || task.index_id === indexId) &&
    (statuses.length === 0 || statuses.includes(task.status)) &&
    (filename === null || task.system_metadata?.filename === filename) &&
    inRange(task.system_metadata?.duration, duration) &&
    inRange(task.system_metadata?.width, width) &&
    inRange(task.system_metadata?.height, height);
}

export async function listTasks(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const params = listParams(ctx.url, SORTS);
  const keep = taskFilter(ctx.url);
  const all = await hub.list();
  for (const task of all) await hub.settle(task);
  const tasks = all.filter(
    (task) => keep(task) && params.since('created_at', task.created_at) && params.since('updated_at', task.updated_at),
  );
  const sorted = sortItems(tasks, params, (task, field) =>
    field === 'updated_at' ? task.updated_at : task.created_at,
  );
  return { status: 200, body: pageOf(sorted.map(apiTask), params) };
}

async function foundTask(hub: TaskHub, id: string): Promise<UploadTask> {
  const task = await hub.retrieve(id);
  if (task === undefined)
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `The task_id parameter is invalid. No upload task ${JSON.stringify(id)} exists on this server; list the tasks (GET /v1.3/tasks) for their ids.`,
      { field: 'task_id' },
    );
  return task;
}

export async function retrieveTask(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const task = await foundTask(hub, ctx.params['task_id'] ?? '');
  await hub.settle(task);
  return { status: 200, body: apiTask(task) };
}

export async function deleteTask(ctx: ServeContext): Promise<Reply> {
  const hub = hubOf(ctx);
  const id = ctx.params['task_id'] ?? '';
  await foundTask(hub, id);
  await hub.cancel(id);
  return { status: 200 };
}
