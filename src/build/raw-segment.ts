import type { Metadata } from '../types.js';

/** A segment as an import file gives it, fields not yet validated; absent fields are undefined. */
export interface RawSegment {
  videoId: unknown;
  vector: unknown;
  /** Where the file holds the vector (`embedding`, `float`, `data[2].embedding`), for messages. */
  vectorField?: string | undefined;
  startSec: unknown;
  endSec: unknown;
  embeddingOption?: string | undefined;
  embeddingScope?: string | undefined;
  modelName?: string | undefined;
  metadata?: Metadata | undefined;
  source?: string | undefined;
  modality?: string | undefined;
  contentSha256?: string | undefined;
}

function firstDefined(record: Record<string, unknown>, names: readonly string[]): unknown {
  return record[firstName(record, names)];
}

/** The first of `names` the record has, else the first of them. */
function firstName(record: Record<string, unknown>, names: readonly string[]): string {
  return names.find((name) => record[name] !== undefined) ?? (names[0] as string);
}

const VECTOR_NAMES = ['embedding', 'float', 'vector'];

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalMetadata(value: unknown): Metadata | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : undefined;
}

/**
 * Reads one JSON segment, accepting our names and the API's:
 * embedding|float, start_sec|start_offset_sec|start, end_sec|end_offset_sec|end.
 * `at` is where the record sits in its file (`data[2]`), when not at the top.
 */
export function rawSegmentFromJson(record: Record<string, unknown>, fallbackVideoId?: string, at?: string): RawSegment {
  const vectorName = firstName(record, VECTOR_NAMES);
  return {
    videoId: record['video_id'] ?? fallbackVideoId,
    vector: record[vectorName],
    vectorField: at === undefined ? vectorName : `${at}.${vectorName}`,
    startSec: firstDefined(record, ['start_sec', 'start_offset_sec', 'start']),
    endSec: firstDefined(record, ['end_sec', 'end_offset_sec', 'end']),
    embeddingOption: optionalString(record['embedding_option']),
    embeddingScope: optionalString(record['embedding_scope']),
    modelName: optionalString(record['model_name']),
    metadata: optionalMetadata(record['metadata']),
    source: optionalString(record['source']),
    modality: optionalString(record['modality']),
    contentSha256: optionalString(record['content_sha256']),
  };
}
