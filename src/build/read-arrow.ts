import { open } from 'node:fs/promises';
import type { Field, RecordBatch, Vector } from 'apache-arrow';
import { RecordBatchReader } from '../apache-arrow.js';
import { InputError } from '../errors.js';
import type { Metadata } from '../types.js';
import type { RawSegment } from './raw-segment.js';

const REQUIRED = ['video_id', 'start_sec', 'end_sec', 'vector'] as const;

/**
 * Reads an Arrow IPC file in the segment schema one record batch at a time (labels are ignored:
 * the library assigns its own), so memory holds one batch, not the file.
 */
export async function* readArrowSegments(path: string): AsyncGenerator<{ segment: RawSegment; line: number }> {
  const handle = await open(path, 'r');
  try {
    let reader: RecordBatchReader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch {
      throw new InputError('not a readable Arrow IPC file (truncated or corrupt)', { file: path });
    }
    const missing = REQUIRED.filter((name) => reader.schema.fields.every((field: Field) => field.name !== name));
    if (missing.length > 0)
      throw new InputError(`the Arrow file lacks the segment column(s) ${missing.join(', ')}`, { file: path });
    const schemaModel = reader.schema.metadata.get('model');
    let line = 0;
    for (;;) {
      let next: IteratorResult<RecordBatch>;
      try {
        next = await reader.next();
      } catch {
        throw new InputError(`not a readable Arrow IPC file (truncated or corrupt after row ${line})`, { file: path });
      }
      if (next.done === true) break;
      for (let row = 0; row < next.value.numRows; row++)
        yield { line: ++line, segment: segmentOf(next.value, row, schemaModel, path, line) };
    }
    if (line === 0) throw new InputError('the Arrow file holds no rows', { file: path });
  } finally {
    await handle.close();
  }
}

function segmentOf(
  batch: RecordBatch,
  row: number,
  schemaModel: string | undefined,
  path: string,
  line: number,
): RawSegment {
  const column = (name: string): Vector | null => batch.getChild(name);
  const text = (name: string): string | undefined => {
    const value: unknown = column(name)?.get(row);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const vector: unknown = column('vector')?.get(row);
  const metadataText = text('metadata');
  let metadata: Metadata | undefined;
  if (metadataText !== undefined) {
    try {
      metadata = JSON.parse(metadataText) as Metadata;
    } catch {
      throw new InputError('the metadata column is not JSON text', { file: path, line });
    }
  }
  return {
    videoId: column('video_id')?.get(row),
    vector: isVector(vector) ? vector.toArray() : vector,
    vectorField: 'vector',
    startSec: column('start_sec')?.get(row),
    endSec: column('end_sec')?.get(row),
    embeddingOption: text('embedding_option'),
    embeddingScope: text('embedding_scope'),
    modelName: text('model_name') ?? schemaModel,
    metadata,
    source: text('source'),
    modality: text('modality'),
    contentSha256: text('content_sha256'),
  };
}

function isVector(value: unknown): value is Vector {
  return (
    typeof value === 'object' && value !== null && 'toArray' in value && typeof (value as Vector).toArray === 'function'
  );
}
