import { isUrl } from '../build/discover-inputs.js';
import type { AnalyzeSegment, AnalyzeTask, AnalyzeTaskInput, TwelveLabsClient } from '../embed/index.js';
import { InputError, NotFoundError, TaskFailedError } from '../errors.js';
import type { SegmentStore } from '../store/segment-store.js';
import { sha256Hex } from '../store/sha256.js';
import type { JsonValue } from '../types.js';
import { AnalyzeJournal, type AnalyzeJournalEntry } from './analyze-journal.js';
import { type AnalyzeRequest, normalizeAnalyzeRequest } from './analyze-request.js';
import type { Annotation } from './annotation.js';
import type { AnnotationStore } from './annotation-store.js';

export interface AnalyzeOptions {
  signal?: AbortSignal | undefined;
  /** How often a task is polled (default 1000 ms). */
  pollIntervalMs?: number | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /** Called as each video is done (analyzed, resumed or found analyzed before). */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface AnalyzeSummary {
  videos: number;
  /** Analysis tasks created by this run. */
  tasks_created: number;
  /** Journaled tasks of an interrupted run, finished instead of paid again. */
  tasks_resumed: number;
  /** Videos whose content had this request analyzed before: nothing was asked. */
  already_analyzed: number;
  annotations: number;
  failures: { video_id: string; reason: string }[];
}

interface Target {
  videoId: string;
  source: string;
  contentSha256: string;
  durationSec: number;
  key: string;
}

/**
 * Runs one Pegasus request over library videos, one video at a time, and stores each result as
 * annotations as soon as it arrives. The (content, request) pair is the key: one stored before
 * is not asked again; one journaled by a run that was killed resumes its task (found by its
 * custom_id when its id never arrived). A video whose analysis fails is reported, the others go on.
 */
export async function analyzeVideos(
  store: SegmentStore,
  annotations: AnnotationStore,
  client: TwelveLabsClient,
  videoIds: readonly string[],
  request: AnalyzeRequest,
  options: AnalyzeOptions = {},
): Promise<AnalyzeSummary> {
  const { request: checked, canonical } = normalizeAnalyzeRequest(request);
  const ids = videoIds.length > 0 ? [...new Set(videoIds)] : Object.keys(store.manifest.videos).sort();
  const unknown = ids.filter((id) => store.manifest.videos[id] === undefined);
  if (unknown.length > 0)
    throw new InputError(
      `no video ${unknown.map((id) => JSON.stringify(id)).join(', ')} in this library; \`vsearch videos\` lists what it holds`,
    );
  if (ids.length === 0) throw new InputError('the library holds no videos to analyze; build it first');
  const targets: Target[] = [];
  for (const videoId of ids) {
    const rows = await store.segmentsOf(videoId);
    const contentSha256 = rows?.contentSha256[0] ?? '';
    targets.push({
      videoId,
      source: rows?.source[0] ?? '',
      contentSha256,
      durationSec: rows === undefined ? 0 : Math.max(0, ...rows.endSec),
      key: `analyze:${sha256Hex(`${contentSha256}\n${canonical}`)}`,
    });
  }
  const summary: AnalyzeSummary = {
    videos: targets.length,
    tasks_created: 0,
    tasks_resumed: 0,
    already_analyzed: 0,
    annotations: 0,
    failures: [],
  };
  const journal = new AnalyzeJournal(store.dir);
  const warn = options.onWarning ?? (() => undefined);
  let done = 0;
  for (const target of targets) {
    options.signal?.throwIfAborted();
    if (await annotations.hasRequest(target.key)) {
      summary.already_analyzed++;
    } else {
      try {
        const task = await runTask(client, journal, target, checked, summary, options, warn);
        const rows = annotationsOf(task, target, checked);
        await annotations.append(rows, [{ key: target.key, videoId: target.videoId }]);
        await journal.remove(target.key);
        summary.annotations += rows.length;
      } catch (error) {
        if (options.signal?.aborted === true || error instanceof InputError) throw error;
        // A failed task is over: the next run asks again instead of resuming it.
        if (error instanceof TaskFailedError) await journal.remove(target.key);
        summary.failures.push({
          video_id: target.videoId,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    options.onProgress?.(++done, targets.length);
  }
  return summary;
}

async function runTask(
  client: TwelveLabsClient,
  journal: AnalyzeJournal,
  target: Target,
  request: AnalyzeRequest,
  summary: AnalyzeSummary,
  options: AnalyzeOptions,
  warn: (message: string) => void,
): Promise<AnalyzeTask> {
  const { signal } = options;
  const poll = { poll: { intervalMs: options.pollIntervalMs ?? 1000 }, signal };
  let entry = await journal.find(target.key, warn);
  if (entry !== undefined) {
    const taskId = entry.taskId ?? (await findByCustomId(client, entry, signal));
    if (taskId !== undefined) {
      try {
        const task = await client.waitForAnalyzeTask(taskId, poll);
        summary.tasks_resumed++;
        return task;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        warn(`analysis task ${taskId} of ${target.videoId} is unknown to the API (404); it is asked anew`);
      }
    }
  }
  entry = {
    key: target.key,
    videoId: target.videoId,
    customId: `vsearch-${target.key.slice('analyze:'.length, 'analyze:'.length + 32)}`,
    createdAt: new Date().toISOString(),
    assetId: entry?.assetId,
  };
  const video = await videoSource(client, journal, entry, target, signal);
  await journal.record(entry);
  const created = await client.createAnalyzeTask(taskInput(request, video, entry.customId), { signal });
  summary.tasks_created++;
  await journal.record({ ...entry, taskId: created.id });
  return client.waitForAnalyzeTask(created.id, poll);
}

/** A task created by a run that died before its id arrived: the task list names it by our custom_id. */
async function findByCustomId(
  client: TwelveLabsClient,
  entry: AnalyzeJournalEntry,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const since = new Date(Date.parse(entry.createdAt) - 60 * 60 * 1000).toISOString();
  for await (const task of client.listAnalyzeTasks({ signal, pageLimit: 50, startedAt: since }))
    if (task.customId === entry.customId) return task.id;
  return undefined;
}

/** A URL goes as it is; a local file is uploaded as an asset once (its id journaled) and named by it. */
async function videoSource(
  client: TwelveLabsClient,
  journal: AnalyzeJournal,
  entry: AnalyzeJournalEntry,
  target: Target,
  signal: AbortSignal | undefined,
): Promise<AnalyzeTaskInput['video']> {
  if (isUrl(target.source)) return { url: target.source };
  if (entry.assetId !== undefined) return { assetId: entry.assetId };
  if (target.source === '')
    throw new InputError(
      `video ${target.videoId} has no source file to analyze (imported embeddings only); analyze videos built from media`,
    );
  const asset = await client.uploadAsset(target.source, { signal });
  entry.assetId = asset.id;
  await journal.record(entry);
  return { assetId: asset.id };
}

function taskInput(request: AnalyzeRequest, video: AnalyzeTaskInput['video'], customId: string): AnalyzeTaskInput {
  const segmentation = request.segmentDefinitions !== undefined;
  return {
    model: request.model,
    video,
    customId,
    ...(segmentation
      ? {
          analysisMode: 'time_based_metadata' as const,
          responseFormat: { type: 'segment_definitions', segment_definitions: request.segmentDefinitions ?? [] },
          minSegmentDuration: request.minSegmentDuration,
          maxSegmentDuration: request.maxSegmentDuration,
        }
      : { prompt: request.prompt }),
    temperature: request.temperature,
  };
}

/** A segment's text: its string fields (a description first), joined, so BM25 reads what Pegasus wrote. */
function segmentText(segment: AnalyzeSegment): string {
  const strings = (value: JsonValue): string[] =>
    typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(strings) : [];
  const entries = Object.entries(segment.metadata).sort(
    ([a], [b]) => Number(b === 'description') - Number(a === 'description'),
  );
  const text = entries.flatMap(([, value]) => strings(value)).join('. ');
  return text === '' ? segment.definition : text;
}

function annotationsOf(task: AnalyzeTask, target: Target, request: AnalyzeRequest): Annotation[] {
  if (request.segmentDefinitions !== undefined) {
    return (task.segments ?? []).map((segment) => ({
      videoId: target.videoId,
      start: segment.startSec,
      end: segment.endSec,
      definition: segment.definition,
      fields: segment.metadata,
      text: segmentText(segment),
      source: 'pegasus',
    }));
  }
  const text = (task.text ?? '').trim();
  if (text === '') return [];
  return [
    {
      videoId: target.videoId,
      start: 0,
      end: target.durationSec,
      definition: 'general',
      fields: { prompt: request.prompt ?? '', task_id: task.id },
      text,
      source: 'pegasus',
    },
  ];
}
