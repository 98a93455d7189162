import { InputError, InvalidResponseError, TaskFailedError } from '../errors.js';
import type { EmbeddingSegment, ModelName } from '../types.js';
import { checkSource, type MediaSource } from './media.js';
import { type SegmentDefaults, segmentsFromV2 } from './segments.js';
import { expectRecord, expectString, isRecord, optionalString } from './wire-parse.js';
import type { WireV2MediaInput, WireV2MediaSource, WireV2Request, WireV2Segmentation } from './wire-types.js';

export type V2Model = 'marengo3.0' | 'marengo3.5';

export type Segmentation = { strategy: 'fixed'; durationSec: number } | { strategy: 'dynamic'; minDurationSec: number };

/** Tuning of an audio or video input (v2). */
export interface MediaTuning {
  startSec?: number | undefined;
  endSec?: number | undefined;
  /** Shorthand for `{ strategy: 'fixed', durationSec }`. */
  clipLengthSec?: number | undefined;
  segmentation?: Segmentation | undefined;
  /** visual | audio | transcription */
  embeddingOption?: readonly string[] | undefined;
  /** clip | asset */
  embeddingScope?: readonly string[] | undefined;
  /** separate_embedding | fused_embedding */
  embeddingType?: readonly string[] | undefined;
}

export type MediaInput = MediaSource & MediaTuning;

/** One embed request: exactly one of text, image, textImage, audio, video. */
export interface EmbedInput {
  /** Default marengo3.0. Marengo-retrieval-2.7 goes to the v1 API. */
  model?: ModelName | undefined;
  /** Override the version the model implies. */
  apiVersion?: 'v1' | 'v2' | undefined;
  text?: string | undefined;
  image?: MediaSource | undefined;
  textImage?: { text: string; image: MediaSource } | undefined;
  audio?: MediaInput | undefined;
  video?: MediaInput | undefined;
}

export type InputType = 'text' | 'image' | 'text_image' | 'audio' | 'video';

export function inputTypeOf(input: EmbedInput, what = 'embed'): InputType {
  const given: InputType[] = [];
  if (input.text !== undefined) given.push('text');
  if (input.image !== undefined) given.push('image');
  if (input.textImage !== undefined) given.push('text_image');
  if (input.audio !== undefined) given.push('audio');
  if (input.video !== undefined) given.push('video');
  const [only, ...rest] = given;
  if (only === undefined || rest.length > 0) {
    throw new InputError(
      `${what}: give exactly one of text, image, textImage, audio or video (got ${given.length === 0 ? 'none' : given.join(', ')})`,
    );
  }
  return only;
}

/** What the wire gets for a source once local files are resolved (to base64 or an asset). */
export function wireSource(source: MediaSource): WireV2MediaSource {
  checkSource(source, 'media source');
  if ('url' in source) return { url: source.url };
  if ('base64' in source) return { base64_string: source.base64 };
  if ('assetId' in source) return { asset_id: source.assetId };
  throw new InputError(`media source ${source.file}: a local file must be resolved before the request is built`);
}

function wireSegmentation(tuning: MediaTuning): WireV2Segmentation | undefined {
  if (tuning.segmentation !== undefined && tuning.clipLengthSec !== undefined)
    throw new InputError('give either clipLengthSec or segmentation, not both');
  const seg =
    tuning.segmentation ??
    (tuning.clipLengthSec === undefined
      ? undefined
      : { strategy: 'fixed' as const, durationSec: tuning.clipLengthSec });
  if (seg === undefined) return undefined;
  if (seg.strategy === 'fixed') {
    if (!(seg.durationSec > 0)) throw new InputError(`segment duration must be > 0 s, got ${seg.durationSec}`);
    return { strategy: 'fixed', fixed: { duration_sec: seg.durationSec } };
  }
  if (!(seg.minDurationSec > 0))
    throw new InputError(`minimum segment duration must be > 0 s, got ${seg.minDurationSec}`);
  return { strategy: 'dynamic', dynamic: { min_duration_sec: seg.minDurationSec } };
}

function wireMedia(media: MediaInput, source: WireV2MediaSource): WireV2MediaInput {
  if (media.startSec !== undefined && media.endSec !== undefined && !(media.endSec > media.startSec)) {
    throw new InputError(`endSec (${media.endSec}) must be greater than startSec (${media.startSec})`);
  }
  const out: WireV2MediaInput = { media_source: source };
  if (media.startSec !== undefined) out.start_sec = media.startSec;
  if (media.endSec !== undefined) out.end_sec = media.endSec;
  const segmentation = wireSegmentation(media);
  if (segmentation !== undefined) out.segmentation = segmentation;
  if (media.embeddingOption !== undefined) out.embedding_option = [...media.embeddingOption];
  if (media.embeddingScope !== undefined) out.embedding_scope = [...media.embeddingScope];
  if (media.embeddingType !== undefined) out.embedding_type = [...media.embeddingType];
  return out;
}

/** Build the JSON of POST /embed-v2 or /embed-v2/tasks. `source` is the already-resolved media source. */
export function buildV2Request(
  input: EmbedInput,
  model: V2Model,
  source: WireV2MediaSource | undefined,
): WireV2Request {
  const type = inputTypeOf(input);
  const need = (): WireV2MediaSource => {
    if (source === undefined) throw new InputError(`${type} input needs a media source`);
    return source;
  };
  switch (type) {
    case 'text':
      if (input.text === undefined || input.text.trim() === '') throw new InputError('text to embed is empty');
      return { input_type: 'text', model_name: model, text: { input_text: input.text } };
    case 'image':
      return { input_type: 'image', model_name: model, image: { media_source: need() } };
    case 'text_image': {
      const text = input.textImage?.text ?? '';
      if (text.trim() === '') throw new InputError('text of the text_image input is empty');
      return { input_type: 'text_image', model_name: model, text_image: { media_source: need(), input_text: text } };
    }
    case 'audio':
      return { input_type: 'audio', model_name: model, audio: wireMedia(input.audio as MediaInput, need()) };
    case 'video':
      return { input_type: 'video', model_name: model, video: wireMedia(input.video as MediaInput, need()) };
  }
}

function v2Defaults(type: InputType): SegmentDefaults {
  return {
    embeddingOption: type === 'text_image' ? 'text_image' : type,
    embeddingScope: type === 'text' || type === 'image' || type === 'text_image' ? 'asset' : 'clip',
  };
}

export interface EmbedResult {
  model: ModelName;
  apiVersion: 'v1' | 'v2';
  segments: EmbeddingSegment[];
  metadata: Record<string, unknown> | undefined;
}

export function parseV2EmbedResponse(body: unknown, model: V2Model, type: InputType): EmbedResult {
  const record = expectRecord(body, 'POST /embed-v2');
  if (!Array.isArray(record['data'])) throw new InvalidResponseError('POST /embed-v2: the answer has no data array');
  const segments = segmentsFromV2(record['data'], model, v2Defaults(type), 'POST /embed-v2');
  if (segments.length === 0) throw new InvalidResponseError('POST /embed-v2: the answer holds no embedding');
  const metadata = record['metadata'];
  return { model, apiVersion: 'v2', segments, metadata: isRecord(metadata) ? metadata : undefined };
}

export type TaskStatus = 'processing' | 'ready' | 'failed' | (string & {});

export interface EmbedTaskV2 {
  id: string;
  status: TaskStatus;
  model: string | undefined;
  createdAt: string | undefined;
  updatedAt: string | undefined;
  /** Present once the task is ready (from getEmbedTask). */
  segments: EmbeddingSegment[] | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The media the task was made from, as retrieval (`metadata`) or the list (`video_embedding.metadata`) names it. */
  inputFilename: string | undefined;
  inputUrl: string | undefined;
  error: string | undefined;
}

/** Retrieval puts the media's description in `metadata`; the task list in `video_embedding`/`audio_embedding.metadata`. */
function mediaDescription(record: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isRecord(record['metadata'])) return record['metadata'];
  for (const key of ['video_embedding', 'audio_embedding']) {
    const holder = record[key];
    if (isRecord(holder) && isRecord(holder['metadata'])) return holder['metadata'];
  }
  return undefined;
}

export function parseV2Task(body: unknown, model: V2Model, where: string): EmbedTaskV2 {
  const record = expectRecord(body, where);
  const id = expectString(record, '_id', where);
  const status = expectString(record, 'status', where);
  const data = record['data'];
  const error = record['error'];
  const metadata = record['metadata'];
  const media = mediaDescription(record);
  return {
    id,
    status,
    model: optionalString(record['model_name']),
    createdAt: optionalString(record['created_at']),
    updatedAt: optionalString(record['updated_at']),
    segments: Array.isArray(data)
      ? segmentsFromV2(data, model, { embeddingOption: 'visual', embeddingScope: 'clip' }, `${where} (task ${id})`)
      : undefined,
    metadata: isRecord(metadata) ? metadata : undefined,
    inputFilename: optionalString(media?.['input_filename']),
    inputUrl: optionalString(media?.['input_url']),
    error: isRecord(error) ? optionalString(error['message']) : undefined,
  };
}

/** Ready -> the segments; failed -> TaskFailedError; else not done. */
export function v2TaskOutcome(
  task: EmbedTaskV2,
): { done: true; value: EmbeddingSegment[] } | { done: false; status: string } {
  if (task.status === 'ready') {
    if (task.segments === undefined) throw new InvalidResponseError(`embed task ${task.id} is ready but has no data`);
    return { done: true, value: task.segments };
  }
  if (task.status === 'failed')
    throw new TaskFailedError(task.id, task.error ?? 'the embed task failed without a reason');
  return { done: false, status: task.status };
}
