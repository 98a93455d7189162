import { checkUrl, HttpFailure, invalid, type MultipartForm, missing, notFound, readMultipart } from '../http/index.js';
import type { Media } from './media.js';
import { mediaFromFile, mediaFromUrl, probeForm, spoolOptions } from './media-source.js';
import { findModel, type ModelSpec, modelNames } from './models.js';
import type { Route, RouteContext } from './route.js';
import { taskListRoute } from './routes-embed-v2.js';
import { type EmbeddedSegment, embedMedia, fixedClips, singleVector } from './segments.js';
import { type EmulatorState, iso, statusOf, type Timed } from './state.js';

const DEFAULT_V1_CLIP_SEC = 6;
const MARENGO27_TEXT_TOKENS = 77;
/** v1 audio embeddings come in clips of this length. */
const V1_AUDIO_CLIP_SEC = 6;
/** The service's upload limit for video_file. */
const V1_VIDEO_FILE_LIMIT = 2 * 1024 * 1024 * 1024;

export interface EmbedV1Task extends Timed {
  id: string;
  model: string;
  segments: EmbeddedSegment[];
  metadata: Record<string, unknown>;
}

function v1Model(form: MultipartForm): ModelSpec {
  const name = form.get('model_name');
  if (name === undefined || name === '') throw missing('model_name');
  const spec = findModel(name, 'v1');
  if (spec === undefined) throw invalid('model_name', `Supported models: ${modelNames('v1').join(', ')}.`);
  return spec;
}

/** Marengo 2.7 calls its visual modality `visual-text`; 3.0 calls it `visual`. */
function visualOption(spec: ModelSpec): string {
  return spec.name === 'Marengo-retrieval-2.7' ? 'visual-text' : 'visual';
}

function numberField(form: MultipartForm, name: string): number | undefined {
  const raw = form.get(name);
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw invalid(name);
  return value;
}

function source(
  state: EmulatorState,
  form: MultipartForm,
  durations: Map<string, number | undefined>,
  kind: 'image' | 'audio' | 'video',
  urlWins: boolean,
): Media | undefined {
  const url = form.get(`${kind}_url`);
  const file = form.file(`${kind}_file`);
  if (url !== undefined && url !== '' && file !== undefined && !urlWins) {
    throw new HttpFailure(400, 'parameter_invalid', `Provide either ${kind}_url or ${kind}_file, not both.`, {
      field: `${kind}_file`,
    });
  }
  if (url !== undefined && url !== '') return mediaFromUrl(state, checkUrl(url, `${kind}_url`));
  if (file !== undefined) {
    if (file.size === 0) throw invalid(`${kind}_file`, 'The file is empty.');
    return mediaFromFile(state, file, durations.get(file.field));
  }
  return undefined;
}

function inputMetadata(media: Media): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (media.inputUrl !== undefined) metadata['input_url'] = media.inputUrl;
  if (media.inputFilename !== undefined) metadata['input_filename'] = media.inputFilename;
  return metadata;
}

async function createEmbedding(ctx: RouteContext): Promise<{ status: number; body: unknown }> {
  const form = await readMultipart(ctx.req, { fileBytes: 100 * 1024 * 1024, ...spoolOptions(ctx.state) });
  const durations = await probeForm(form, ctx.state.scenario);
  const spec = v1Model(form);
  const space = ctx.state.space(spec.name, spec.dimension);
  const text = form.get('text');
  const truncate = form.get('text_truncate');
  if (truncate !== undefined && !['start', 'end', 'none'].includes(truncate)) throw invalid('text_truncate');
  // Marengo 2.7 reads at most 77 tokens; `none` asks for an error instead of truncation (words stand in for tokens).
  if (
    spec.name === 'Marengo-retrieval-2.7' &&
    truncate === 'none' &&
    text !== undefined &&
    (text.match(/\S+/g) ?? []).length > MARENGO27_TEXT_TOKENS
  ) {
    throw invalid('text', `The text exceeds ${MARENGO27_TEXT_TOKENS} tokens and text_truncate is none.`);
  }
  const image = source(ctx.state, form, durations, 'image', false);
  const audio = source(ctx.state, form, durations, 'audio', false);
  if ((text === undefined || text.trim() === '') && image === undefined && audio === undefined) {
    throw new HttpFailure(
      400,
      'parameter_not_provided',
      'The following required parameters were not provided: text, image_url or image_file, audio_url or audio_file (at least one).',
      { field: 'text' },
    );
  }
  const body: Record<string, unknown> = { model_name: spec.name };
  if (text !== undefined && text.trim() !== '') body['text_embedding'] = { segments: [{ float: space.text(text) }] };
  if (image !== undefined)
    body['image_embedding'] = {
      segments: [{ float: singleVector(space, image, 'image') }],
      metadata: inputMetadata(image),
    };
  if (audio !== undefined) {
    const start = numberField(form, 'audio_start_offset_sec') ?? 0;
    if (start >= audio.durationSec)
      throw invalid('audio_start_offset_sec', `The audio is ${audio.durationSec} s long.`);
    const clips = fixedClips(start, audio.durationSec, V1_AUDIO_CLIP_SEC);
    const segments = embedMedia(space, audio, {
      clips,
      options: ['audio'],
      separate: true,
      fused: false,
      clipScope: true,
      wholeScope: undefined,
      wholeRange: { start, end: audio.durationSec },
    });
    body['audio_embedding'] = {
      segments: segments.map((segment) => ({
        float: segment.embedding,
        start_offset_sec: segment.start,
        end_offset_sec: segment.end,
      })),
      metadata: inputMetadata(audio),
    };
  }
  ctx.state.stats.syncEmbeds += 1;
  return { status: 200, body };
}

async function createTask(ctx: RouteContext): Promise<{ status: number; body: unknown }> {
  const form = await readMultipart(ctx.req, { fileBytes: V1_VIDEO_FILE_LIMIT, ...spoolOptions(ctx.state) });
  const durations = await probeForm(form, ctx.state.scenario);
  const spec = v1Model(form);
  // The spec: "If both are provided, video_url takes precedence."
  const media = source(ctx.state, form, durations, 'video', true);
  if (media === undefined)
    throw new HttpFailure(
      400,
      'parameter_not_provided',
      'The video_file or video_url parameter is required but was not provided.',
      { field: 'video_file' },
    );
  const clipLength = numberField(form, 'video_clip_length') ?? DEFAULT_V1_CLIP_SEC;
  if (clipLength < 2 || clipLength > 10) throw invalid('video_clip_length');
  const startRaw = numberField(form, 'video_start_offset_sec');
  const endRaw = numberField(form, 'video_end_offset_sec');
  // The spec: both offsets or neither.
  if (startRaw !== undefined && endRaw === undefined) throw missing('video_end_offset_sec');
  if (endRaw !== undefined && startRaw === undefined) throw missing('video_start_offset_sec');
  const start = startRaw ?? 0;
  if (start >= media.durationSec) throw invalid('video_start_offset_sec', `The video is ${media.durationSec} s long.`);
  const end = endRaw ?? media.durationSec;
  if (endRaw !== undefined && (end > media.durationSec + 1e-9 || end - start < clipLength))
    throw invalid('video_end_offset_sec');
  const scopes = form.all('video_embedding_scope');
  for (const scope of scopes) if (scope !== 'clip' && scope !== 'video') throw invalid('video_embedding_scope');
  const wanted = scopes.length === 0 ? ['clip'] : [...new Set(scopes)];
  const options = [visualOption(spec), 'audio'];
  const segments = embedMedia(ctx.state.space(spec.name, spec.dimension), media, {
    clips: fixedClips(start, end, clipLength),
    options,
    separate: true,
    fused: false,
    clipScope: wanted.includes('clip'),
    wholeScope: wanted.includes('video') ? 'video' : undefined,
    wholeRange: { start, end },
  });
  const metadata: Record<string, unknown> = {
    ...inputMetadata(media),
    video_clip_length: clipLength,
    video_embedding_scope: wanted,
    duration: media.durationSec,
  };
  const task: EmbedV1Task = {
    id: ctx.state.ids.next('embed-v1-task'),
    model: spec.name,
    segments,
    metadata,
    ...ctx.state.timing(media.entry?.fail === true),
  };
  ctx.state.embedV1Tasks.set(task.id, task);
  ctx.state.stats.tasksCreated += 1;
  return { status: 200, body: { _id: task.id } };
}

function findTask(ctx: RouteContext): EmbedV1Task {
  const id = ctx.params['task_id'] ?? '';
  const task = ctx.state.embedV1Tasks.get(id);
  if (task === undefined) throw notFound(id, 'embedding tasks');
  return task;
}

function summary(task: EmbedV1Task): Record<string, unknown> {
  const status = statusOf(task);
  return {
    _id: task.id,
    model_name: task.model,
    status,
    created_at: iso(task.createdAt),
    updated_at: iso(status === 'processing' ? task.createdAt : task.readyAt),
    video_embedding: { metadata: task.metadata },
  };
}

function retrieve(ctx: RouteContext): { status: number; body: unknown } {
  const task = findTask(ctx);
  const body = summary(task);
  if (statusOf(task) === 'ready') {
    const allowed = ['visual', 'visual-text', 'audio', 'transcription'];
    const filter = ctx.url.searchParams.getAll('embedding_option');
    for (const option of filter) if (!allowed.includes(option)) throw invalid('embedding_option');
    const segments = task.segments
      .filter((segment) => filter.length === 0 || filter.includes(segment.option))
      .map((segment) => ({
        float: segment.embedding,
        start_offset_sec: segment.start,
        end_offset_sec: segment.end,
        embedding_option: segment.option,
        embedding_scope: segment.scope,
      }));
    body['video_embedding'] = { metadata: task.metadata, segments };
  }
  return { status: 200, body };
}

export const embedV1Routes: Route[] = [
  { method: 'POST', template: '/embed', api: true, flavor: 'v1', handle: createEmbedding },
  { method: 'POST', template: '/embed/tasks', api: true, flavor: 'v1', handle: createTask },
  taskListRoute('/embed/tasks', (state) => state.embedV1Tasks.values(), summary),
  {
    method: 'GET',
    template: '/embed/tasks/{task_id}/status',
    api: true,
    flavor: 'v1',
    handle: (ctx) => {
      const task = findTask(ctx);
      return {
        status: 200,
        body: {
          _id: task.id,
          model_name: task.model,
          status: statusOf(task),
          video_embedding: { metadata: task.metadata },
        },
      };
    },
  },
  { method: 'GET', template: '/embed/tasks/{task_id}', api: true, flavor: 'v1', handle: retrieve },
];
