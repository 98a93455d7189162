import { InputError, InvalidResponseError, TaskFailedError } from '../errors.js';
import type { JsonValue } from '../types.js';
import type { MediaSource } from './media.js';
import { expectRecord, expectString, isRecord, optionalString } from './wire-parse.js';

export interface AnalyzeTaskInput {
  /** pegasus1.2 | pegasus1.5 */
  model?: string | undefined;
  /** url, assetId or base64 (a local file goes through uploadAsset first). */
  video: MediaSource;
  prompt?: string | undefined;
  /** general | time_based_metadata */
  analysisMode?: 'general' | 'time_based_metadata' | undefined;
  /** Passed as the API's `response_format` (snake_case JSON as documented). */
  responseFormat?: { [key: string]: JsonValue } | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  minSegmentDuration?: number | undefined;
  maxSegmentDuration?: number | undefined;
  startTime?: number | undefined;
  endTime?: number | undefined;
  customId?: string | undefined;
}

/** One timestamped segment of a time_based_metadata result. */
export interface AnalyzeSegment {
  /** The segment definition's id ("scene"). */
  definition: string;
  startSec: number;
  endSec: number;
  metadata: { [key: string]: JsonValue };
}

export interface AnalyzeTask {
  id: string;
  status: 'queued' | 'pending' | 'processing' | 'ready' | 'failed' | (string & {});
  customId: string | undefined;
  createdAt: string | undefined;
  completedAt: string | undefined;
  analysisMode: string | undefined;
  /** The generated text (JSON text for structured modes). */
  text: string | undefined;
  finishReason: string | undefined;
  /** Parsed when the task used time_based_metadata. */
  segments: AnalyzeSegment[] | undefined;
  error: string | undefined;
}

export function buildAnalyzeRequest(input: AnalyzeTaskInput): Record<string, unknown> {
  const source = input.video;
  let video: Record<string, string>;
  if ('url' in source) video = { type: 'url', url: source.url };
  else if ('assetId' in source) video = { type: 'asset_id', asset_id: source.assetId };
  else if ('base64' in source) video = { type: 'base64_string', base64_string: source.base64 };
  else throw new InputError(`analyze: upload ${source.file} as an asset first (uploadAsset) and pass { assetId }`);
  if (input.analysisMode === 'time_based_metadata' && input.prompt !== undefined)
    throw new InputError('analyze: a prompt is not allowed with time_based_metadata');
  const body: Record<string, unknown> = { video };
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) body[key] = value;
  };
  set('model_name', input.model);
  set('custom_id', input.customId);
  set('prompt', input.prompt);
  set('analysis_mode', input.analysisMode);
  set('response_format', input.responseFormat);
  set('temperature', input.temperature);
  set('max_tokens', input.maxTokens);
  set('min_segment_duration', input.minSegmentDuration);
  set('max_segment_duration', input.maxSegmentDuration);
  set('start_time', input.startTime);
  set('end_time', input.endTime);
  return body;
}

/** Seconds from a number or a "HH:MM:SS(.mmm)" / "MM:SS" string. */
export function parseTimestamp(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
    const match = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(trimmed);
    if (match !== null) return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  }
  throw new InvalidResponseError(`${where}: ${JSON.stringify(value)} is not a timestamp`);
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/** `result.data` of a time_based_metadata task: `{"<definition>": [{start_time, end_time, metadata}]}` as JSON text. */
export function parseTimeBasedMetadata(data: string, where = 'analyze result'): AnalyzeSegment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new InvalidResponseError(
      `${where}: the time_based_metadata result is not JSON (${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
  const record = expectRecord(parsed, where);
  const segments: AnalyzeSegment[] = [];
  for (const [definition, list] of Object.entries(record)) {
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      const at = `${where} ${definition}[${i}]`;
      const row = expectRecord(item, at);
      const startSec = parseTimestamp(row['start_time'], at);
      const endSec = parseTimestamp(row['end_time'], at);
      if (endSec < startSec)
        throw new InvalidResponseError(`${at}: ends (${endSec} s) before it starts (${startSec} s)`);
      const metadata: { [key: string]: JsonValue } = {};
      if (isRecord(row['metadata'])) for (const [k, v] of Object.entries(row['metadata'])) metadata[k] = toJson(v);
      for (const [k, v] of Object.entries(row))
        if (k !== 'start_time' && k !== 'end_time' && k !== 'metadata') metadata[k] = toJson(v);
      segments.push({ definition, startSec, endSec, metadata });
    });
  }
  segments.sort((a, b) => a.startSec - b.startSec || a.endSec - b.endSec);
  return segments;
}

export function parseAnalyzeTask(body: unknown, where: string): AnalyzeTask {
  const record = expectRecord(body, where);
  const id = expectString(record, 'task_id', where);
  const params = isRecord(record['request_params']) ? record['request_params'] : undefined;
  const result = isRecord(record['result']) ? record['result'] : undefined;
  const error = isRecord(record['error']) ? record['error'] : undefined;
  const analysisMode = optionalString(params?.['analysis_mode']);
  const text = optionalString(result?.['data']);
  const formatType = isRecord(params?.['response_format'])
    ? optionalString(params['response_format']['type'])
    : undefined;
  const timeBased = analysisMode === 'time_based_metadata' || formatType === 'segment_definitions';
  return {
    id,
    status: expectString(record, 'status', where),
    customId: optionalString(record['custom_id']),
    createdAt: optionalString(record['created_at']),
    completedAt: optionalString(record['completed_at']),
    analysisMode,
    text,
    finishReason: optionalString(result?.['finish_reason']),
    segments: timeBased && text !== undefined ? parseTimeBasedMetadata(text, `${where} (task ${id})`) : undefined,
    error: optionalString(error?.['message']),
  };
}

export function analyzeOutcome(
  task: AnalyzeTask,
): { done: true; value: AnalyzeTask } | { done: false; status: string } {
  if (task.status === 'ready') return { done: true, value: task };
  if (task.status === 'failed')
    throw new TaskFailedError(task.id, task.error ?? 'the analysis task failed without a reason');
  return { done: false, status: task.status };
}
