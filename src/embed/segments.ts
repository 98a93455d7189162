import { InvalidResponseError } from '../errors.js';
import { type EmbeddingSegment, MODEL_DIMENSIONS, type ModelName } from '../types.js';
import { expectRecord, optionalArray, optionalNumber, optionalString } from './wire-parse.js';

/** Labels used when the API leaves a segment's option/scope/time unset (text and image embeddings). */
export interface SegmentDefaults {
  embeddingOption: string;
  embeddingScope: string;
}

function expectedDimension(model: ModelName): number {
  return MODEL_DIMENSIONS[model];
}

/**
 * A float vector of exactly `dimension` finite values, or an InvalidResponseError:
 * a wrong-sized or NaN vector must never reach the store.
 */
export function toVector(values: unknown, dimension: number, where: string): Float32Array {
  if (!Array.isArray(values)) throw new InvalidResponseError(`${where}: the embedding is not an array of numbers`);
  if (values.length !== dimension) {
    throw new InvalidResponseError(
      `${where}: the embedding has ${values.length} values, the model gives ${dimension}; refusing a vector of the wrong dimension`,
    );
  }
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidResponseError(`${where}: value ${i} of the embedding is ${String(value)}, not a finite number`);
    }
    vector[i] = value;
    if (!Number.isFinite(vector[i]))
      throw new InvalidResponseError(`${where}: value ${i} of the embedding overflows float32`);
  }
  return vector;
}

function times(
  start: number | undefined,
  end: number | undefined,
  where: string,
): { startSec: number; endSec: number } {
  const startSec = start ?? 0;
  const endSec = end ?? startSec;
  if (startSec < 0 || endSec < startSec)
    throw new InvalidResponseError(`${where}: segment time ${startSec}-${endSec} s is not a valid range`);
  return { startSec, endSec };
}

/** v2 `data[] {embedding, embedding_option, embedding_scope, start_sec, end_sec}`. */
export function segmentsFromV2(
  data: unknown,
  model: ModelName,
  defaults: SegmentDefaults,
  where = 'embed-v2 response',
): EmbeddingSegment[] {
  return segmentsOf(data, model, defaults, `${where} data`, {
    vector: 'embedding',
    start: 'start_sec',
    end: 'end_sec',
  });
}

/** v1 `segments[] {float, start_offset_sec, end_offset_sec, embedding_scope, embedding_option}`. */
export function segmentsFromV1(
  segments: unknown,
  model: ModelName,
  defaults: SegmentDefaults,
  where = 'embed response',
): EmbeddingSegment[] {
  return segmentsOf(segments, model, defaults, `${where} segments`, {
    vector: 'float',
    start: 'start_offset_sec',
    end: 'end_offset_sec',
  });
}

/** The two API versions name a segment's vector and times differently; the rest is the same. */
function segmentsOf(
  list: unknown,
  model: ModelName,
  defaults: SegmentDefaults,
  where: string,
  fields: { vector: string; start: string; end: string },
): EmbeddingSegment[] {
  const dimension = expectedDimension(model);
  return optionalArray(list, where).map((item, i) => {
    const at = `${where}[${i}]`;
    const row = expectRecord(item, at);
    return {
      vector: toVector(row[fields.vector], dimension, at),
      ...times(optionalNumber(row[fields.start]), optionalNumber(row[fields.end]), at),
      embeddingOption: optionalString(row['embedding_option']) ?? defaults.embeddingOption,
      embeddingScope: optionalString(row['embedding_scope']) ?? defaults.embeddingScope,
    };
  });
}
