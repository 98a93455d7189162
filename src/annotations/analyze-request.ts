import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { JsonValue } from '../types.js';

/** What to ask Pegasus about each video: a prompt (general analysis) or segment definitions (segmentation). */
export interface AnalyzeRequest {
  /** General analysis: the question or instruction; the answer is stored as one annotation spanning the video. */
  prompt?: string | undefined;
  /**
   * Segmentation (time_based_metadata, pegasus1.5): the API's segment_definitions, each
   * `{id, description, fields?: [{name, type, description?, enum?}]}`; each segment found is one annotation.
   */
  segmentDefinitions?: { [key: string]: JsonValue }[] | undefined;
  /** pegasus1.2 for a prompt, pegasus1.5 for segmentation by default. */
  model?: string | undefined;
  minSegmentDuration?: number | undefined;
  maxSegmentDuration?: number | undefined;
  temperature?: number | undefined;
}

/** The request as sent for every video (checked), and its canonical JSON, part of the key that makes a request paid once per content. */
export function normalizeAnalyzeRequest(request: AnalyzeRequest): { request: AnalyzeRequest; canonical: string } {
  const hasPrompt = request.prompt !== undefined;
  const hasSegments = request.segmentDefinitions !== undefined;
  if (hasPrompt === hasSegments)
    throw new InputError(
      'analysis needs exactly one of a prompt (general analysis) or segment definitions (segmentation)',
    );
  if (hasPrompt && (request.prompt ?? '').trim() === '') throw new InputError('the analysis prompt is empty');
  if (hasSegments && (request.segmentDefinitions ?? []).length === 0)
    throw new InputError('segmentation needs at least one segment definition');
  for (const [name, value] of [
    ['minSegmentDuration', request.minSegmentDuration],
    ['maxSegmentDuration', request.maxSegmentDuration],
    ['temperature', request.temperature],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0))
      throw new InputError(`the analysis option ${name} must be a number >= 0, got ${String(value)}`);
  }
  const model = request.model ?? (hasPrompt ? 'pegasus1.2' : 'pegasus1.5');
  const normalized: AnalyzeRequest = { ...request, model };
  const canonical = JSON.stringify([
    model,
    request.prompt ?? null,
    request.segmentDefinitions ?? null,
    request.minSegmentDuration ?? null,
    request.maxSegmentDuration ?? null,
    request.temperature ?? null,
  ]);
  return { request: normalized, canonical };
}

/**
 * A segment definitions file: a JSON array of definitions, or an object with
 * `segment_definitions` (and optionally `min_segment_duration`, `max_segment_duration`, `model`).
 */
export async function readSegmentsFile(path: string): Promise<AnalyzeRequest> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new InputError(`cannot read the segment definitions as JSON: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  const record = Array.isArray(value) ? { segment_definitions: value } : value;
  if (typeof record !== 'object' || record === null)
    throw new InputError(
      'the segment definitions file must hold an array of definitions or {"segment_definitions": [...]}',
      { file: path },
    );
  const r = record as Record<string, unknown>;
  const definitions = r['segment_definitions'];
  if (!Array.isArray(definitions) || definitions.length === 0)
    throw new InputError('"segment_definitions" must be a non-empty array of {id, description, fields?}', {
      file: path,
    });
  definitions.forEach((d: unknown, i) => {
    if (
      typeof d !== 'object' ||
      d === null ||
      Array.isArray(d) ||
      typeof (d as Record<string, unknown>)['id'] !== 'string' ||
      typeof (d as Record<string, unknown>)['description'] !== 'string'
    ) {
      throw new InputError(`segment_definitions[${i}] must be an object with a string "id" and "description"`, {
        file: path,
      });
    }
  });
  const number = (name: string): number | undefined => {
    const v = r[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw new InputError(`"${name}" must be a number of seconds`, { file: path });
    return v;
  };
  const model = r['model'];
  if (model !== undefined && typeof model !== 'string')
    throw new InputError('"model" must be a string such as pegasus1.5', { file: path });
  return {
    segmentDefinitions: definitions as { [key: string]: JsonValue }[],
    model,
    minSegmentDuration: number('min_segment_duration'),
    maxSegmentDuration: number('max_segment_duration'),
  };
}
