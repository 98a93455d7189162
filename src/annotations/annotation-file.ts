import type { Data } from 'apache-arrow';
import {
  Field,
  Float64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from '../apache-arrow.js';
import { StoreError } from '../errors.js';
import type { JsonValue } from '../types.js';
import { ANNOTATION_SOURCES, type Annotation, type AnnotationSource } from './annotation.js';

const STRINGS = ['video_id', 'definition', 'fields', 'text', 'source'] as const;
const FLOATS = ['start_sec', 'end_sec'] as const;
const SCHEMA = new Schema(
  [
    new Field('video_id', new Utf8(), false),
    new Field('start_sec', new Float64(), false),
    new Field('end_sec', new Float64(), false),
    new Field('definition', new Utf8(), false),
    new Field('fields', new Utf8(), false),
    new Field('text', new Utf8(), false),
    new Field('source', new Utf8(), false),
  ],
  new Map([
    ['kind', 'vsearch-annotations'],
    ['version', '1'],
  ]),
);

/** Annotations as one Arrow IPC file (one record batch); fields are JSON text. */
export function encodeAnnotationFile(rows: readonly Annotation[]): Uint8Array {
  const n = rows.length;
  const strings: Record<(typeof STRINGS)[number], string[]> = {
    video_id: rows.map((r) => r.videoId),
    definition: rows.map((r) => r.definition),
    fields: rows.map((r) => JSON.stringify(r.fields)),
    text: rows.map((r) => r.text),
    source: rows.map((r) => r.source),
  };
  const children: Data[] = SCHEMA.fields.map((field) => {
    if (field.name === 'start_sec')
      return makeData({ type: new Float64(), length: n, data: Float64Array.from(rows, (r) => r.start) });
    if (field.name === 'end_sec')
      return makeData({ type: new Float64(), length: n, data: Float64Array.from(rows, (r) => r.end) });
    return vectorFromArray(strings[field.name as (typeof STRINGS)[number]], new Utf8()).data[0] as Data;
  });
  const batch = new RecordBatch(
    SCHEMA,
    makeData({ type: new Struct(SCHEMA.fields), length: n, nullCount: 0, children }),
  );
  return tableToIPC(new Table(SCHEMA, [batch]), 'file');
}

/** The rows of an annotation file whose bytes were checked against its checksum; StoreError naming the file when they do not decode. */
export function decodeAnnotationFile(name: string, bytes: Uint8Array): Annotation[] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new StoreError(`annotation file ${name} is not a readable Arrow IPC file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const missing = [...STRINGS, ...FLOATS].filter((column) => table.getChild(column) === null);
  if (missing.length > 0) throw new StoreError(`annotation file ${name} lacks the column(s) ${missing.join(', ')}`);
  const column = (columnName: string, row: number): unknown => table.getChild(columnName)?.get(row);
  const rows: Annotation[] = [];
  for (let row = 0; row < table.numRows; row++) {
    const source = String(column('source', row));
    if (!ANNOTATION_SOURCES.includes(source as AnnotationSource))
      throw new StoreError(`annotation file ${name}, row ${row}: unknown source "${source}"`);
    rows.push({
      videoId: String(column('video_id', row)),
      start: Number(column('start_sec', row)),
      end: Number(column('end_sec', row)),
      definition: String(column('definition', row)),
      fields: parseFields(String(column('fields', row)), name, row),
      text: String(column('text', row)),
      source: source as AnnotationSource,
    });
  }
  return rows;
}

function parseFields(text: string, name: string, row: number): { [key: string]: JsonValue } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as { [key: string]: JsonValue };
  } catch {
    // reported below
  }
  throw new StoreError(`annotation file ${name}, row ${row}: fields is not a JSON object`);
}
