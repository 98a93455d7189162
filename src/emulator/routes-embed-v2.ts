import { HttpFailure, invalid, isRecord, missing, notFound, paginate, readJson } from '../http/index.js';
import type { Media } from './media.js';
import { mediaFromSource } from './media-source.js';
import { findModel, type ModelSpec, modelNames } from './models.js';
import type { Route, RouteContext } from './route.js';
import { type Clip, dynamicClips, type EmbeddedSegment, embedMedia, fixedClips, singleVector } from './segments.js';
import { type EmulatorState, iso, statusOf, type Timed } from './state.js';
import { normalize } from './vectors.js';

/** Sync media longer than this must go through /embed-v2/tasks. */
const SYNC_MAX_DURATION_SEC = 600;
/** Segment length when a request names none (the spec's default for audio; used for video too). */
const DEFAULT_V2_CLIP_SEC = 6;

export interface EmbedV2Task extends Timed {
  id: string;
  model: string;
  inputType: 'audio' | 'video';
  segments: EmbeddedSegment[];
  metadata: Record<string, unknown>;
}

interface WireSegment {
  embedding: number[];
  embedding_option: string | null;
  embedding_scope: string | null;
  start_sec: number | null;
  end_sec: number | null;
}

function wire(segment: EmbeddedSegment): WireSegment {
  return {
    embedding: segment.embedding,
    embedding_option: segment.option,
    embedding_scope: segment.scope,
    start_sec: segment.start,
    end_sec: segment.end,
  };
}

function single(embedding: number[]): WireSegment {
  return { embedding, embedding_option: null, embedding_scope: null, start_sec: null, end_sec: null };
}

function model(body: Record<string, unknown>): ModelSpec {
  const name = body['model_name'];
  if (name === undefined || name === null) throw missing('model_name');
  if (typeof name !== 'string') throw invalid('model_name');
  const spec = findModel(name, 'v2');
  if (spec === undefined) throw invalid('model_name', `Supported models: ${modelNames('v2').join(', ')}.`);
  return spec;
}

function stringList(value: unknown, field: string, allowed: readonly string[], fallback: string[]): string[] {
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value) || value.length === 0)
    throw invalid(field, `It must be a non-empty array of ${allowed.join(', ')}.`);
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || !allowed.includes(item))
      throw invalid(field, `Allowed values: ${allowed.join(', ')}.`);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(field);
  return value;
}

interface Segmentation {
  strategy: 'fixed' | 'dynamic';
  seconds: number;
}

/** Accepts the spec's `{strategy, fixed|dynamic}` and the newer SDK's `{temporal: {...}}` wrapper. */
function segmentation(raw: unknown, field: string, allowDynamic: boolean): Segmentation {
  if (raw === undefined || raw === null) return { strategy: 'fixed', seconds: DEFAULT_V2_CLIP_SEC };
  if (!isRecord(raw)) throw invalid(field);
  if (raw['temporal'] !== undefined && raw['strategy'] === undefined)
    return segmentation(raw['temporal'], `${field}.temporal`, allowDynamic);
  const strategy = raw['strategy'];
  if (strategy === 'fixed') {
    const fixed = raw['fixed'];
    if (!isRecord(fixed)) throw missing(`${field}.fixed`);
    const seconds = fixed['duration_sec'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 1 || seconds > 10)
      throw invalid(`${field}.fixed.duration_sec`, 'It must be from 1 to 10 seconds.');
    return { strategy: 'fixed', seconds };
  }
  if (strategy === 'dynamic' && allowDynamic) {
    const dynamic = raw['dynamic'];
    if (!isRecord(dynamic)) throw missing(`${field}.dynamic`);
    const seconds = dynamic['min_duration_sec'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 1 || seconds > 10)
      throw invalid(`${field}.dynamic.min_duration_sec`, 'It must be from 1 to 10 seconds.');
    return { strategy: 'dynamic', seconds };
  }
  if (strategy === undefined) throw missing(`${field}.strategy`);
  throw invalid(`${field}.strategy`, `Allowed values: ${allowDynamic ? 'fixed, dynamic' : 'fixed'}.`);
}

interface TimedMediaResult {
  segments: EmbeddedSegment[];
  metadata: Record<string, unknown>;
  media: Media;
}

/** Audio or video input: cut into clips, embed per modality and scope, describe in metadata. */
async function embedTimedMedia(
  state: EmulatorState,
  spec: ModelSpec,
  inputType: 'audio' | 'video',
  raw: unknown,
  sync: boolean,
): Promise<TimedMediaResult> {
  if (raw === undefined || raw === null) throw missing(inputType);
  if (!isRecord(raw)) throw invalid(inputType);
  const media = await mediaFromSource(state, raw['media_source'], `${inputType}.media_source`);
  const start = optionalNumber(raw['start_sec'], `${inputType}.start_sec`) ?? 0;
  const requestedEnd = optionalNumber(raw['end_sec'], `${inputType}.end_sec`);
  if (requestedEnd !== undefined && requestedEnd <= start)
    throw invalid(`${inputType}.end_sec`, 'The end time must be greater than the start time.');
  if (start >= media.durationSec) throw invalid(`${inputType}.start_sec`, `The media is ${media.durationSec} s long.`);
  const end = Math.min(requestedEnd ?? media.durationSec, media.durationSec);
  if (sync && end - start > SYNC_MAX_DURATION_SEC) {
    throw invalid(
      `${inputType}`,
      `The sync endpoint accepts up to ${SYNC_MAX_DURATION_SEC} s of media; use POST /embed-v2/tasks for longer media.`,
    );
  }
  const optionValues = inputType === 'video' ? ['visual', 'audio', 'transcription'] : ['audio', 'transcription'];
  const options = stringList(raw['embedding_option'], `${inputType}.embedding_option`, optionValues, optionValues);
  const scopes = stringList(
    raw['embedding_scope'],
    `${inputType}.embedding_scope`,
    ['clip', 'asset'],
    ['clip', 'asset'],
  );
  const types = stringList(
    raw['embedding_type'],
    `${inputType}.embedding_type`,
    ['separate_embedding', 'fused_embedding'],
    ['separate_embedding'],
  );
  if (types.includes('fused_embedding') && options.length < 2)
    throw invalid(`${inputType}.embedding_type`, 'fused_embedding needs at least two values in embedding_option.');
  const seg = segmentation(raw['segmentation'], `${inputType}.segmentation`, inputType === 'video' || !sync);
  const clips: Clip[] =
    seg.strategy === 'fixed' ? fixedClips(start, end, seg.seconds) : dynamicClips(media, start, end, seg.seconds);
  const segments = embedMedia(state.space(spec.name, spec.dimension), media, {
    clips,
    options,
    separate: types.includes('separate_embedding'),
    fused: types.includes('fused_embedding'),
    clipScope: scopes.includes('clip'),
    wholeScope: scopes.includes('asset') ? 'asset' : undefined,
    wholeRange: { start, end },
  });
  const metadata: Record<string, unknown> = { input_type: inputType };
  if (media.inputUrl !== undefined) metadata['input_url'] = media.inputUrl;
  if (media.inputFilename !== undefined) metadata['input_filename'] = media.inputFilename;
  if (seg.strategy === 'fixed') metadata['clip_length'] = seg.seconds;
  metadata['embedding_scopes'] = scopes;
  metadata['embedding_options'] = options;
  metadata['duration'] = media.durationSec;
  metadata['start_offset_sec'] = start;
  metadata['end_offset_sec'] = end;
  return { segments, metadata, media };
}

function imageMetadata(inputType: string, media: Media): Record<string, unknown> {
  const metadata: Record<string, unknown> = { input_type: inputType };
  if (media.inputUrl !== undefined) metadata['input_url'] = media.inputUrl;
  if (media.inputFilename !== undefined) metadata['input_filename'] = media.inputFilename;
  return metadata;
}

function inputText(raw: unknown, field: string): string {
  if (!isRecord(raw)) throw missing(field);
  const text = raw['input_text'];
  if (text === undefined || text === null) throw missing(`${field}.input_text`);
  if (typeof text !== 'string' || text.trim().length === 0) throw invalid(`${field}.input_text`);
  return text;
}

async function createSync(ctx: RouteContext): Promise<{ status: number; body: unknown }> {
  const body = await readJson(ctx.req);
  const inputType = body['input_type'];
  if (inputType === undefined || inputType === null) throw missing('input_type');
  if (typeof inputType !== 'string') throw invalid('input_type');
  const spec = model(body);
  const space = ctx.state.space(spec.name, spec.dimension);
  let result: { data: WireSegment[]; metadata?: Record<string, unknown> };
  switch (inputType) {
    case 'text':
      result = { data: [single(space.text(inputText(body['text'], 'text')))] };
      break;
    case 'image': {
      if (!isRecord(body['image'])) throw missing('image');
      const media = await mediaFromSource(ctx.state, body['image']['media_source'], 'image.media_source');
      result = { data: [single(singleVector(space, media, 'image'))], metadata: imageMetadata('image', media) };
      break;
    }
    case 'text_image': {
      const text = inputText(body['text_image'], 'text_image');
      const raw = body['text_image'] as Record<string, unknown>;
      const media = await mediaFromSource(ctx.state, raw['media_source'], 'text_image.media_source');
      const textVector = space.text(text);
      const imageVector = singleVector(space, media, 'image');
      result = {
        data: [single(normalize(textVector.map((value, i) => value + (imageVector[i] ?? 0))))],
        metadata: imageMetadata('text_image', media),
      };
      break;
    }
    case 'audio':
    case 'video': {
      const timed = await embedTimedMedia(ctx.state, spec, inputType, body[inputType], true);
      result = { data: timed.segments.map(wire), metadata: timed.metadata };
      break;
    }
    case 'multi_input':
      throw invalid('input_type', 'multi_input is not supported by the emulator.');
    default:
      throw invalid('input_type');
  }
  ctx.state.stats.syncEmbeds += 1;
  return { status: 200, body: result };
}

async function createTask(ctx: RouteContext): Promise<{ status: number; body: unknown }> {
  const body = await readJson(ctx.req);
  const inputType = body['input_type'];
  if (inputType === undefined || inputType === null) throw missing('input_type');
  const spec = model(body);
  if (inputType !== 'audio' && inputType !== 'video')
    throw invalid('input_type', 'Async embedding tasks accept audio and video.');
  const timed = await embedTimedMedia(ctx.state, spec, inputType, body[inputType], false);
  const task: EmbedV2Task = {
    id: ctx.state.ids.next('embed-v2-task'),
    model: spec.name,
    inputType,
    segments: timed.segments,
    metadata: timed.metadata,
    ...ctx.state.timing(timed.media.entry?.fail === true),
  };
  ctx.state.embedV2Tasks.set(task.id, task);
  ctx.state.stats.tasksCreated += 1;
  return { status: 202, body: { _id: task.id, status: 'processing', data: null } };
}

const TASK_FAILURE_MESSAGE =
  'We could not process your media for embedding. Please verify the input file and try again.';

function retrieveBody(task: EmbedV2Task): Record<string, unknown> {
  const status = statusOf(task);
  const body: Record<string, unknown> = {
    _id: task.id,
    status,
    created_at: iso(task.createdAt),
    updated_at: iso(status === 'processing' ? task.createdAt : task.readyAt),
    data: status === 'ready' ? task.segments.map(wire) : null,
  };
  if (status === 'ready') body['metadata'] = task.metadata;
  if (status === 'failed') body['error'] = { message: TASK_FAILURE_MESSAGE };
  return body;
}

function listItem(task: EmbedV2Task): Record<string, unknown> {
  const status = statusOf(task);
  const meta = task.metadata;
  const metadata: Record<string, unknown> = {};
  if (meta['input_url'] !== undefined) metadata['input_url'] = meta['input_url'];
  if (meta['input_filename'] !== undefined) metadata['input_filename'] = meta['input_filename'];
  if (task.inputType === 'video') {
    if (meta['clip_length'] !== undefined) metadata['video_clip_length'] = meta['clip_length'];
    metadata['video_embedding_scope'] = meta['embedding_scopes'];
  } else {
    metadata['audio_embedding_options'] = meta['embedding_options'];
    metadata['audio_embedding_scopes'] = meta['embedding_scopes'];
    metadata['start_offset_sec'] = meta['start_offset_sec'];
    metadata['end_offset_sec'] = meta['end_offset_sec'];
  }
  metadata['duration'] = meta['duration'];
  return {
    _id: task.id,
    model_name: task.model,
    status,
    created_at: iso(task.createdAt),
    updated_at: iso(status === 'processing' ? task.createdAt : task.readyAt),
    [task.inputType === 'video' ? 'video_embedding' : 'audio_embedding']: { metadata },
  };
}

/** GET `template`: a page of the tasks `tasksOf` holds, filtered by status and created-at window, each as `view` shows it. */
export function taskListRoute<T extends Timed>(
  template: string,
  tasksOf: (state: EmulatorState) => Iterable<T>,
  view: (task: T) => unknown,
): Route {
  return {
    method: 'GET',
    template,
    api: true,
    flavor: 'v1',
    handle: (ctx) => ({ status: 200, body: paginate(filterTasks(tasksOf(ctx.state), ctx.url).map(view), ctx.url) }),
  };
}

/** Status and created-at window filters, newest first. */
function filterTasks<T extends Timed>(tasks: Iterable<T>, url: URL): T[] {
  const status = url.searchParams.get('status');
  const parse = (name: string): number | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return undefined;
    const ms = Date.parse(raw);
    if (Number.isNaN(ms))
      throw new HttpFailure(400, 'parameter_invalid', `The ${name} parameter is invalid.`, { field: name });
    return ms;
  };
  const startedAt = parse('started_at');
  const endedAt = parse('ended_at');
  return [...tasks]
    .filter((task) => (status === null || status === '' ? true : statusOf(task) === status))
    .filter((task) => (startedAt === undefined ? true : task.createdAt >= startedAt))
    .filter((task) => (endedAt === undefined ? true : task.createdAt <= endedAt))
    .sort((a, b) => b.createdAt - a.createdAt);
}

export const embedV2Routes: Route[] = [
  { method: 'POST', template: '/embed-v2', api: true, flavor: 'v2', handle: createSync },
  { method: 'POST', template: '/embed-v2/tasks', api: true, flavor: 'v2', handle: createTask },
  taskListRoute('/embed-v2/tasks', (state) => state.embedV2Tasks.values(), listItem),
  {
    method: 'GET',
    template: '/embed-v2/tasks/{task_id}',
    api: true,
    flavor: 'v2',
    handle: (ctx) => {
      const id = ctx.params['task_id'] ?? '';
      const task = ctx.state.embedV2Tasks.get(id);
      if (task === undefined) throw notFound(id, 'tasks');
      return { status: 200, body: retrieveBody(task) };
    },
  },
];
