import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { FormData } from 'undici';
import { InputError, InvalidResponseError, TaskFailedError } from '../errors.js';
import type { EmbeddingSegment, ModelName } from '../types.js';
import { checkSource, fileSize } from './media.js';
import { segmentsFromV1 } from './segments.js';
import { expectRecord, expectString, isRecord, optionalString } from './wire-parse.js';

/** Sources the v1 multipart API takes: a URL or a local file sent as a file part. */
export type V1Source = { url: string } | { file: string };

export interface EmbedV1Input {
  /** Default Marengo-retrieval-2.7. */
  model?: ModelName | undefined;
  text?: string | undefined;
  /** start | end | none (Marengo 2.7). */
  textTruncate?: string | undefined;
  image?: V1Source | undefined;
  audio?: (V1Source & { startSec?: number | undefined }) | undefined;
}

export interface EmbedV1Result {
  model: ModelName;
  text: EmbeddingSegment[] | undefined;
  image: EmbeddingSegment[] | undefined;
  audio: EmbeddingSegment[] | undefined;
}

export interface EmbedTaskV1Input {
  /** Default Marengo-retrieval-2.7. */
  model?: ModelName | undefined;
  video: V1Source;
  /** The name a local video is sent under (default: its own); the task list names it as `input_filename`. */
  filename?: string | undefined;
  startSec?: number | undefined;
  endSec?: number | undefined;
  /** 2-10 s, default 6. */
  clipLengthSec?: number | undefined;
  /** clip and/or video; default clip. */
  scopes?: readonly ('clip' | 'video')[] | undefined;
}

export interface EmbedTaskV1 {
  id: string;
  status: string;
  model: string | undefined;
  createdAt: string | undefined;
  updatedAt: string | undefined;
  metadata: Record<string, unknown> | undefined;
  /** Present when retrieved with GET /embed/tasks/{id} on a ready task. */
  segments: EmbeddingSegment[] | undefined;
}

/** A multipart body that can be rebuilt for each attempt; file parts are lazy Blobs read from disk as sent. */
export type FormFactory = () => FormData;

type Part = { name: string; value: string } | { name: string; blob: Blob; filename: string };

function factory(parts: Part[]): FormFactory {
  return () => {
    const form = new FormData();
    for (const part of parts) {
      if ('value' in part) form.append(part.name, part.value);
      else form.append(part.name, part.blob, part.filename);
    }
    return form;
  };
}

async function sourceParts(
  source: V1Source,
  kind: 'image' | 'audio' | 'video',
  what: string,
  filename?: string,
): Promise<Part[]> {
  checkSource(source, what);
  if ('url' in source) return [{ name: `${kind}_url`, value: source.url }];
  await fileSize(source.file, what);
  // openAsBlob reads lazily: the file is streamed from disk while the request is written.
  return [{ name: `${kind}_file`, blob: await openAsBlob(source.file), filename: filename ?? basename(source.file) }];
}

export async function buildV1EmbedForm(input: EmbedV1Input, model: ModelName): Promise<FormFactory> {
  const parts: Part[] = [{ name: 'model_name', value: model }];
  if (input.text === undefined && input.image === undefined && input.audio === undefined) {
    throw new InputError('embed (v1): give at least one of text, image or audio');
  }
  if (input.text !== undefined) {
    if (input.text.trim() === '') throw new InputError('embed (v1): the text is empty');
    parts.push({ name: 'text', value: input.text });
    if (input.textTruncate !== undefined) parts.push({ name: 'text_truncate', value: input.textTruncate });
  }
  if (input.image !== undefined) parts.push(...(await sourceParts(input.image, 'image', 'image')));
  if (input.audio !== undefined) {
    parts.push(...(await sourceParts(input.audio, 'audio', 'audio')));
    if (input.audio.startSec !== undefined)
      parts.push({ name: 'audio_start_offset_sec', value: String(input.audio.startSec) });
  }
  return factory(parts);
}

export async function buildV1TaskForm(input: EmbedTaskV1Input, model: ModelName): Promise<FormFactory> {
  const parts: Part[] = [
    { name: 'model_name', value: model },
    ...(await sourceParts(input.video, 'video', 'video', input.filename)),
  ];
  if (input.clipLengthSec !== undefined) {
    if (!(input.clipLengthSec >= 2 && input.clipLengthSec <= 10))
      throw new InputError(`clip length must be 2-10 s, got ${input.clipLengthSec}`);
    parts.push({ name: 'video_clip_length', value: String(input.clipLengthSec) });
  }
  if (input.startSec !== undefined) parts.push({ name: 'video_start_offset_sec', value: String(input.startSec) });
  if (input.endSec !== undefined) {
    if (input.startSec !== undefined && !(input.endSec > input.startSec))
      throw new InputError(`endSec (${input.endSec}) must be greater than startSec (${input.startSec})`);
    parts.push({ name: 'video_end_offset_sec', value: String(input.endSec) });
  }
  for (const scope of input.scopes ?? []) {
    if (scope !== 'clip' && scope !== 'video')
      throw new InputError(`video embedding scope must be clip or video, got ${String(scope)}`);
    parts.push({ name: 'video_embedding_scope', value: scope });
  }
  return factory(parts);
}

function modalityResult(
  record: Record<string, unknown>,
  key: string,
  model: ModelName,
  option: string,
  scope: string,
): EmbeddingSegment[] | undefined {
  const result = record[key];
  if (result === undefined || result === null) return undefined;
  const where = `POST /embed ${key}`;
  const body = expectRecord(result, where);
  const failure = optionalString(body['error_message']);
  if (failure !== undefined && failure !== '')
    throw new InvalidResponseError(`${where}: TwelveLabs could not embed it: ${failure}`);
  const segments = segmentsFromV1(body['segments'], model, { embeddingOption: option, embeddingScope: scope }, where);
  if (segments.length === 0) throw new InvalidResponseError(`${where}: the answer holds no embedding`);
  return segments;
}

export function parseV1EmbedResponse(body: unknown, model: ModelName): EmbedV1Result {
  const record = expectRecord(body, 'POST /embed');
  return {
    model,
    text: modalityResult(record, 'text_embedding', model, 'text', 'asset'),
    image: modalityResult(record, 'image_embedding', model, 'image', 'asset'),
    audio: modalityResult(record, 'audio_embedding', model, 'audio', 'clip'),
  };
}

export function parseV1Task(body: unknown, model: ModelName, where: string): EmbedTaskV1 {
  const record = expectRecord(body, where);
  const id = expectString(record, '_id', where);
  const video = isRecord(record['video_embedding']) ? record['video_embedding'] : undefined;
  const segments = video?.['segments'];
  return {
    id,
    status: optionalString(record['status']) ?? 'processing',
    model: optionalString(record['model_name']),
    createdAt: optionalString(record['created_at']),
    updatedAt: optionalString(record['updated_at']),
    metadata: isRecord(video?.['metadata']) ? video['metadata'] : undefined,
    segments: Array.isArray(segments)
      ? segmentsFromV1(
          segments,
          model,
          { embeddingOption: 'visual-text', embeddingScope: 'clip' },
          `${where} (task ${id})`,
        )
      : undefined,
  };
}

/** Status of a v1 task: failed -> TaskFailedError (v1 gives no reason). */
export function v1StatusOutcome(
  task: EmbedTaskV1,
): { done: true; value: EmbedTaskV1 } | { done: false; status: string } {
  if (task.status === 'ready') return { done: true, value: task };
  if (task.status === 'failed')
    throw new TaskFailedError(
      task.id,
      'the video embedding task failed (the v1 API gives no reason); check the video file',
    );
  return { done: false, status: task.status };
}
