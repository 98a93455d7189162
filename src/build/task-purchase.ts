import { extname } from 'node:path';
import type { EmbeddingService, EmbedRequest, TaskHandle } from '../embed/embedding-service.js';
import { NotFoundError, TaskFailedError } from '../errors.js';
import { type JournalEntry, sha256Hex, type TaskJournal } from '../store/index.js';
import type { EmbeddingSegment, ModelName } from '../types.js';

/** How far before a journal entry's own clock a task list is searched when the API gave no asset time (clock skew). */
const CLOCK_SKEW_MS = 60 * 60 * 1000;

export interface PurchaseContext {
  journal: TaskJournal;
  service: EmbeddingService;
  model: ModelName;
  signal: AbortSignal | undefined;
  warn: (message: string) => void;
  /** The build summary's counters. */
  counts: { tasks_created: number; tasks_resumed: number };
}

export interface PurchaseItem {
  key: string;
  sha256: string;
  request: EmbedRequest;
  source: string;
  videoId: string;
}

/**
 * An async embedding bought at most once across crashes. Every step that makes the API create
 * something (an asset, a task) is journaled before its request leaves and again when its answer
 * arrives; a rerun that finds the first record without the second looks the thing up (assets by
 * their tag filename, tasks by the asset filename the task list names) instead of creating it
 * again (v1: tasks by the name the video was uploaded under). v1 tasks from a URL cannot be
 * looked up: their id is journaled as soon as it arrives, and a kill in between pays again.
 */
export async function embedByTask(ctx: PurchaseContext, item: PurchaseItem): Promise<EmbeddingSegment[]> {
  const entry = await journaledEntry(ctx, item);
  if (entry?.taskId !== undefined) {
    const segments = await resumeTask(ctx, item, { taskId: entry.taskId, apiVersion: entry.apiVersion });
    if (segments !== undefined) return segments;
    // The API does not know the task: embed anew, once, reusing the asset if it still exists.
    return purchase(ctx, item, entry.uploadName === undefined ? undefined : { ...entry, taskId: undefined });
  }
  return purchase(ctx, item, entry);
}

/** The valid entry for this content, after reporting and dropping one that cannot be used. */
async function journaledEntry(ctx: PurchaseContext, item: PurchaseItem): Promise<JournalEntry | undefined> {
  const read = await ctx.journal.find(item.key);
  if (read === undefined) return undefined;
  if ('damaged' in read) {
    ctx.warn(
      `journal entry ${read.file} is damaged (${read.damaged}); dropped it, and ${item.source} is embedded anew`,
    );
    await ctx.journal.remove(item.key);
    return undefined;
  }
  const { entry } = read;
  const apiVersion = ctx.model === 'Marengo-retrieval-2.7' ? 'v1' : 'v2';
  if (entry.model !== ctx.model || entry.apiVersion !== apiVersion) {
    ctx.warn(
      `journal entry ${ctx.journal.pathOf(item.key)} is for ${entry.model} (${entry.apiVersion}), not ${ctx.model}; dropped it, and ${item.source} is embedded anew`,
    );
    await ctx.journal.remove(item.key);
    return undefined;
  }
  return entry;
}

/** The journaled task's segments, or undefined when the API does not know the task (it was dropped). */
async function resumeTask(
  ctx: PurchaseContext,
  item: PurchaseItem,
  task: TaskHandle,
): Promise<EmbeddingSegment[] | undefined> {
  try {
    const segments = await finish(ctx, item, task);
    ctx.counts.tasks_resumed++;
    return segments;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    ctx.warn(
      `journal entry ${ctx.journal.pathOf(item.key)} names task ${task.taskId}, which the API does not know (404); dropped it, and ${item.source} is embedded anew`,
    );
    await ctx.journal.remove(item.key);
    return undefined;
  }
}

async function finish(ctx: PurchaseContext, item: PurchaseItem, task: TaskHandle): Promise<EmbeddingSegment[]> {
  try {
    return await ctx.service.finishTask(task, ctx.model, ctx.signal);
  } catch (error) {
    // A failed task is the API's verdict on the media: the item fails, and the next build tries anew.
    if (error instanceof TaskFailedError) await ctx.journal.remove(item.key);
    throw error;
  }
}

async function purchase(
  ctx: PurchaseContext,
  item: PurchaseItem,
  resumed: JournalEntry | undefined,
): Promise<EmbeddingSegment[]> {
  const base: JournalEntry = {
    contentKey: item.key,
    apiVersion: ctx.model === 'Marengo-retrieval-2.7' ? 'v1' : 'v2',
    model: ctx.model,
    source: item.source,
    videoId: item.videoId,
    createdAt: resumed?.createdAt ?? new Date().toISOString(),
  };
  if (base.apiVersion === 'v1') return purchaseV1(ctx, item, base, resumed);
  const uploadName = resumed?.uploadName ?? uploadNameOf(item);
  const entry: JournalEntry = { ...base, uploadName };
  let assetId = resumed === undefined ? undefined : await existingAsset(ctx, item, resumed, uploadName);
  // A task can exist only if an earlier run got as far as having an asset.
  const mayHaveTask = assetId !== undefined;
  if (assetId === undefined) {
    await ctx.journal.record(entry);
    assetId = await ctx.service.uploadAsset(item.request, uploadName, item.sha256, ctx.signal);
  }
  await ctx.journal.record({ ...entry, assetId });
  const asset = await ctx.service.waitForAsset(assetId, ctx.signal).catch(async (error: unknown) => {
    if (error instanceof TaskFailedError) await ctx.journal.remove(item.key);
    throw error;
  });
  if (mayHaveTask) {
    const since = asset.createdAt ?? new Date(Date.parse(base.createdAt) - CLOCK_SKEW_MS).toISOString();
    const found = await ctx.service.findTask('v2', uploadName, since, ctx.signal);
    if (found !== undefined) {
      await ctx.journal.record({ ...entry, assetId, taskId: found.taskId });
      const segments = await finish(ctx, item, { taskId: found.taskId, apiVersion: 'v2' });
      ctx.counts.tasks_resumed++;
      return segments;
    }
  }
  const task = await ctx.service.startTaskFromAsset(item.request, assetId, ctx.signal);
  ctx.counts.tasks_created++;
  await ctx.journal.record({ ...entry, assetId, taskId: task.taskId });
  return finish(ctx, item, task);
}

/**
 * v1 uploads the video in the task request itself. A local file is sent under its tag name,
 * journaled first, so a rerun finds the task in the v1 task list by `input_filename`. A URL task
 * cannot be found that way (the list names only the URL, which other builds may share): its id
 * is journaled as soon as it arrives, and a kill in between pays again.
 */
async function purchaseV1(
  ctx: PurchaseContext,
  item: PurchaseItem,
  base: JournalEntry,
  resumed: JournalEntry | undefined,
): Promise<EmbeddingSegment[]> {
  const uploadName = 'file' in item.request.source ? (resumed?.uploadName ?? uploadNameOf(item)) : undefined;
  if (uploadName !== undefined && resumed?.uploadName !== undefined) {
    const since = new Date(Date.parse(resumed.createdAt) - CLOCK_SKEW_MS).toISOString();
    const found = await ctx.service.findTask('v1', uploadName, since, ctx.signal);
    if (found !== undefined) {
      await ctx.journal.record({ ...base, uploadName, taskId: found.taskId });
      const segments = await finish(ctx, item, { taskId: found.taskId, apiVersion: 'v1' });
      ctx.counts.tasks_resumed++;
      return segments;
    }
  }
  if (uploadName !== undefined) await ctx.journal.record({ ...base, uploadName });
  const task = await ctx.service.startTask(item.request, ctx.signal, uploadName);
  ctx.counts.tasks_created++;
  await ctx.journal.record({ ...base, ...(uploadName === undefined ? {} : { uploadName }), taskId: task.taskId });
  return finish(ctx, item, task);
}

/** The asset an earlier run uploaded, by its journaled id or else by listing its tag filename. */
async function existingAsset(
  ctx: PurchaseContext,
  item: PurchaseItem,
  resumed: JournalEntry,
  uploadName: string,
): Promise<string | undefined> {
  if (resumed.assetId !== undefined) {
    const asset = await ctx.service.getAsset(resumed.assetId, ctx.signal);
    if (asset !== undefined && asset.status !== 'failed') return asset.id;
    if (asset === undefined)
      ctx.warn(
        `journal entry ${ctx.journal.pathOf(item.key)} names asset ${resumed.assetId}, which the API does not know (404); looking for ${item.source} by its asset name`,
      );
  }
  return (await ctx.service.findAsset(uploadName, ctx.signal))?.id;
}

/**
 * The name an item's asset is uploaded under: the content sha256 (the API lists assets by a
 * filename substring) and a tag of the whole purchase key (model, segmentation), so one asset
 * and its tasks answer exactly one key. The extension stays, for the API's type detection.
 */
export function uploadNameOf(item: { key: string; sha256: string; source: string }): string {
  const path = /^https?:\/\//i.test(item.source) ? new URL(item.source).pathname : item.source;
  const extension = extname(path)
    .toLowerCase()
    .replace(/[^.a-z0-9]/g, '');
  return `vsearch-${item.sha256}-${sha256Hex(item.key).slice(0, 12)}${extension}`;
}
