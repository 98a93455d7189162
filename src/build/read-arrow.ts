import { readFile } from 'node:fs/promises';
import { tableFromIPC, type Table, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import type { Metadata } from '../types.js';
import type { RawSegment } from './raw-segment.js';

const REQUIRED = ['video_id', 'start_sec', 'end_sec', 'vector'] as const;

/** Reads an Arrow IPC file in the segment schema (labels are ignored: the library assigns its own). */
export async function readArrowSegments(path: string): Promise<{ segment: RawSegment; line: number }[]> {
  const bytes = await readFile(path);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch {
    throw new InputError('not a readable Arrow IPC file (truncated or corrupt)', { file: path });
  }
  const missing = REQUIRED.filter((name) => table.getChild(name) === null);
  if (missing.length > 0) throw new InputError(`the Arrow file lacks the segment column(s) ${missing.join(', ')}`, { file: path });
  if (table.numRows === 0) throw new InputError('the Arrow file holds no rows', { file: path });
  const column = (name: string): Vector | null => table.getChild(name);
  const schemaModel = table.schema.metadata.get('model');
  const rows: { segment: RawSegment; line: number }[] = [];
  for (let row = 0; row < table.numRows; row++) {
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
        throw new InputError('the metadata column is not JSON text', { file: path, line: row + 1 });
      }
    }
    rows.push({
      line: row + 1,
      segment: {
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
      },
    });
  }
  return rows;
}

function isVector(value: unknown): value is Vector {
  return typeof value === 'object' && value !== null && 'toArray' in value && typeof (value as Vector).toArray === 'function';
}
