import { createHash } from 'node:crypto';
import { HttpFailure, invalid, isRecord, missing, notFound, paginate, type Reply, readJson } from '../http/index.js';
import type { Media } from './media.js';
import { mediaFromSource } from './media-source.js';
import type { Route, RouteContext } from './route.js';
import { fixedClips } from './segments.js';
import { type EmulatorState, iso, statusOf, type Timed } from './state.js';
import { tokenize } from './vectors.js';

export interface AnalyzeTask extends Timed {
  id: string;
  customId: string | null;
  model: string;
  mode: 'general' | 'time_based_metadata';
  videoSource: Record<string, unknown>;
  requestParams: Record<string, unknown>;
  resultData: string;
  inputTokens: number;
  outputTokens: number;
}

const MODELS = ['pegasus1.2', 'pegasus1.5'];
const FIELD_TYPES = ['string', 'boolean', 'number', 'integer', 'array', 'timestamp'];
const TIME_FORMATS = ['seconds', 'hh:mm:ss', 'hh:mm:ss.fff'];

function formatTime(seconds: number, format: string): number | string {
  if (format === 'seconds') return seconds;
  const whole = Math.floor(seconds);
  const hh = String(Math.floor(whole / 3600)).padStart(2, '0');
  const mm = String(Math.floor((whole % 3600) / 60)).padStart(2, '0');
  const ss = String(whole % 60).padStart(2, '0');
  const base = `${hh}:${mm}:${ss}`;
  return format === 'hh:mm:ss.fff' ? `${base}.${String(Math.round((seconds - whole) * 1000)).padStart(3, '0')}` : base;
}

interface Field {
  name: string;
  type: string;
  enum?: string[];
}

interface Definition {
  id: string;
  description: string;
  fields: Field[];
}

function checkDefinitions(raw: unknown): Definition[] {
  if (!Array.isArray(raw) || raw.length === 0) throw missing('response_format.segment_definitions');
  return raw.map((item: unknown, i) => {
    const field = `response_format.segment_definitions[${i}]`;
    if (!isRecord(item)) throw invalid(field);
    if (typeof item['id'] !== 'string' || item['id'] === '') throw missing(`${field}.id`);
    if (typeof item['description'] !== 'string') throw missing(`${field}.description`);
    const fields = item['fields'] ?? [];
    if (!Array.isArray(fields)) throw invalid(`${field}.fields`);
    return {
      id: item['id'],
      description: item['description'],
      fields: fields.map((f: unknown, j) => {
        if (
          !isRecord(f) ||
          typeof f['name'] !== 'string' ||
          typeof f['type'] !== 'string' ||
          !FIELD_TYPES.includes(f['type'])
        )
          throw invalid(`${field}.fields[${j}]`);
        const out: Field = { name: f['name'], type: f['type'] };
        if (Array.isArray(f['enum'])) out.enum = f['enum'].filter((v): v is string => typeof v === 'string');
        return out;
      }),
    };
  });
}

/** A field value that depends only on the segment's description, so results are stable. */
function fieldValue(field: Field, text: string, start: number, format: string): unknown {
  const digest = createHash('sha256').update(`${field.name}:${text}`).digest();
  const pick = digest.readUInt32LE(0);
  switch (field.type) {
    case 'boolean':
      return pick % 2 === 0;
    case 'number':
      return Math.round((pick % 1000) / 10) / 10;
    case 'integer':
      return pick % 10;
    case 'array':
      return tokenize(text).slice(0, 3);
    case 'timestamp':
      return formatTime(start, format);
    default:
      if (field.enum !== undefined && field.enum.length > 0) return field.enum[pick % field.enum.length];
      return text;
  }
}

/** Segments for time_based_metadata: the scenario's scenes, else windows within the min/max bounds. */
function segmentation(media: Media, definitions: Definition[], body: Record<string, unknown>, format: string): string {
  const min = typeof body['min_segment_duration'] === 'number' ? body['min_segment_duration'] : 5;
  const max = typeof body['max_segment_duration'] === 'number' ? body['max_segment_duration'] : 30;
  const start = typeof body['start_time'] === 'number' ? body['start_time'] : 0;
  const end = typeof body['end_time'] === 'number' ? Math.min(body['end_time'], media.durationSec) : media.durationSec;
  const scenes = (media.entry?.segments ?? [])
    .map((segment) => ({ start: Math.max(start, segment.start), end: Math.min(end, segment.end), text: segment.text }))
    .filter((segment) => segment.end > segment.start);
  const windows =
    scenes.length > 0
      ? scenes
      : fixedClips(start, end, Math.max(min, Math.min(max, 10))).map((clip, i) => ({
          ...clip,
          text: `segment ${i + 1}`,
        }));
  const result: Record<string, unknown[]> = {};
  for (const definition of definitions) {
    result[definition.id] = windows.map((window) => ({
      start_time: formatTime(window.start, format),
      end_time: formatTime(window.end, format),
      metadata: Object.fromEntries(
        definition.fields.map((field) => [field.name, fieldValue(field, window.text, window.start, format)]),
      ),
    }));
  }
  return JSON.stringify(result);
}

function generalText(media: Media, prompt: string): string {
  const scenes = media.entry?.segments ?? [];
  if (scenes.length === 0) return `Emulated analysis (no scenario for this video) in answer to: ${prompt}`;
  return scenes.map((scene) => `From ${scene.start}s to ${scene.end}s: ${scene.text}.`).join(' ');
}

function videoSource(raw: Record<string, unknown>, media: Media): Record<string, unknown> {
  const type = raw['type'];
  const source: Record<string, unknown> = { type };
  if (type === 'url') source['url'] = raw['url'];
  if (type === 'asset_id') source['asset_id'] = raw['asset_id'];
  source['system_metadata'] = { duration: media.durationSec };
  return source;
}

async function resolveVideo(
  state: EmulatorState,
  raw: unknown,
): Promise<{ media: Media; source: Record<string, unknown> }> {
  if (raw === undefined || raw === null) throw missing('video');
  if (!isRecord(raw)) throw invalid('video');
  const type = raw['type'];
  if (type === undefined) throw missing('video.type');
  if (type !== 'url' && type !== 'asset_id' && type !== 'base64_string')
    throw invalid('video.type', 'Allowed values: url, asset_id, base64_string.');
  const value = raw[type];
  if (value === undefined) throw missing(`video.${type}`);
  const media = await mediaFromSource(state, { [type]: value }, 'video');
  return { media, source: videoSource(raw, media) };
}

async function createTask(ctx: RouteContext): Promise<Reply> {
  const body = await readJson(ctx.req);
  const model = body['model_name'] ?? 'pegasus1.2';
  if (typeof model !== 'string' || !MODELS.includes(model))
    throw invalid('model_name', `Supported models: ${MODELS.join(', ')}.`);
  const mode = body['analysis_mode'] ?? 'general';
  if (mode !== 'general' && mode !== 'time_based_metadata')
    throw invalid('analysis_mode', 'Allowed values: general, time_based_metadata.');
  const customId = body['custom_id'];
  if (customId !== undefined && customId !== null && typeof customId !== 'string') throw invalid('custom_id');
  const { media, source } = await resolveVideo(ctx.state, body['video']);
  for (const name of [
    'temperature',
    'max_tokens',
    'min_segment_duration',
    'max_segment_duration',
    'start_time',
    'end_time',
  ]) {
    const value = body[name];
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0))
      throw invalid(name);
  }
  const requestParams: Record<string, unknown> = { analysis_mode: mode };
  let resultData: string;
  if (mode === 'general') {
    const promptV2 = body['prompt_v2'];
    const prompt = body['prompt'] ?? (isRecord(promptV2) ? promptV2['input_text'] : undefined);
    if (prompt === undefined || prompt === null) throw missing('prompt');
    if (typeof prompt !== 'string' || prompt.trim() === '') throw invalid('prompt');
    requestParams['prompt'] = prompt;
    resultData = generalText(media, prompt);
  } else {
    if (model !== 'pegasus1.5') throw invalid('model_name', 'time_based_metadata needs pegasus1.5.');
    const format = body['response_format'];
    if (!isRecord(format)) throw missing('response_format');
    if (format['type'] !== 'segment_definitions')
      throw invalid('response_format.type', 'time_based_metadata needs segment_definitions.');
    const timeFormat = format['segment_time_format'] ?? 'seconds';
    if (typeof timeFormat !== 'string' || !TIME_FORMATS.includes(timeFormat))
      throw invalid('response_format.segment_time_format');
    const definitions = checkDefinitions(format['segment_definitions']);
    requestParams['response_format'] = format;
    resultData = segmentation(media, definitions, body, timeFormat);
  }
  requestParams['temperature'] = typeof body['temperature'] === 'number' ? body['temperature'] : null;
  requestParams['max_tokens'] = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : null;
  for (const name of ['min_segment_duration', 'max_segment_duration', 'start_time', 'end_time'])
    if (typeof body[name] === 'number') requestParams[name] = body[name];
  const task: AnalyzeTask = {
    id: ctx.state.ids.next('analyze-task'),
    customId: typeof customId === 'string' ? customId : null,
    model,
    mode,
    videoSource: source,
    requestParams,
    resultData,
    inputTokens: Math.round(media.durationSec * 100),
    outputTokens: Math.max(1, Math.ceil(resultData.length / 4)),
    ...ctx.state.timing(media.entry?.fail === true),
  };
  ctx.state.analyzeTasks.set(task.id, task);
  ctx.state.stats.tasksCreated += 1;
  ctx.state.stats.analyzeTasks += 1;
  return { status: 202, body: { task_id: task.id, status: 'queued' } };
}

function taskBody(task: AnalyzeTask, withResult: boolean): Record<string, unknown> {
  const status = statusOf(task);
  const body: Record<string, unknown> = {
    task_id: task.id,
    custom_id: task.customId,
    video_source: task.videoSource,
    request_params: task.requestParams,
    status,
    created_at: iso(task.createdAt),
  };
  if (status !== 'processing') body['completed_at'] = iso(task.readyAt);
  if (status === 'ready' && withResult) {
    body['result'] = {
      generation_id: createHash('sha256')
        .update(task.id)
        .digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
      data: task.resultData,
      finish_reason: 'stop',
      usage: { output_tokens: task.outputTokens, input_tokens: task.inputTokens },
    };
  }
  if (status === 'failed')
    body['error'] = { message: 'The video could not be analyzed. Please verify the input file and try again.' };
  return body;
}

function findTask(ctx: RouteContext): AnalyzeTask {
  const id = ctx.params['task_id'] ?? '';
  const task = ctx.state.analyzeTasks.get(id);
  if (task === undefined) throw notFound(id, 'analyze tasks');
  return task;
}

function list(ctx: RouteContext): Reply {
  const status = ctx.url.searchParams.get('status');
  const mode = ctx.url.searchParams.get('analysis_mode');
  const assetId = ctx.url.searchParams.get('asset_id');
  const videoUrl = ctx.url.searchParams.get('video_url');
  if (status !== null && !['queued', 'pending', 'processing', 'ready', 'failed'].includes(status))
    throw invalid('status');
  if (mode !== null && mode !== 'general' && mode !== 'time_based_metadata') throw invalid('analysis_mode');
  const tasks = [...ctx.state.analyzeTasks.values()]
    .filter((task) => status === null || statusOf(task) === status)
    .filter((task) => mode === null || task.mode === mode)
    .filter((task) => assetId === null || task.videoSource['asset_id'] === assetId)
    .filter((task) => videoUrl === null || task.videoSource['url'] === videoUrl)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((task) => taskBody(task, false));
  return { status: 200, body: paginate(tasks, ctx.url) };
}

export const analyzeRoutes: Route[] = [
  { method: 'POST', template: '/analyze/tasks', api: true, flavor: 'v2', handle: createTask },
  { method: 'GET', template: '/analyze/tasks', api: true, flavor: 'v1', handle: list },
  {
    method: 'GET',
    template: '/analyze/tasks/{task_id}',
    api: true,
    flavor: 'v2',
    handle: (ctx) => ({ status: 200, body: taskBody(findTask(ctx), true) }),
  },
  {
    method: 'DELETE',
    template: '/analyze/tasks/{task_id}',
    api: true,
    flavor: 'v2',
    handle: (ctx) => {
      const task = findTask(ctx);
      if (statusOf(task) === 'processing')
        throw new HttpFailure(
          409,
          'task_in_progress',
          `Task ${task.id} is still processing; it can be deleted once it is ready or failed.`,
        );
      ctx.state.analyzeTasks.delete(task.id);
      return { status: 200 };
    },
  },
];
