import { Field, FixedSizeList, Float32, Float64, Schema, Uint32, Utf8 } from 'apache-arrow';

export const FORMAT_VERSION = 1;

/** Column names of a segment file, in order (DESIGN.md section 4). */
export const COLUMNS = [
  'label',
  'video_id',
  'source',
  'content_sha256',
  'modality',
  'embedding_option',
  'embedding_scope',
  'start_sec',
  'end_sec',
  'model_name',
  'metadata',
  'vector',
] as const;

export type ColumnName = (typeof COLUMNS)[number];
export type StringColumn = Exclude<ColumnName, 'label' | 'start_sec' | 'end_sec' | 'vector'>;
export const STRING_COLUMNS: readonly StringColumn[] = [
  'video_id',
  'source',
  'content_sha256',
  'modality',
  'embedding_option',
  'embedding_scope',
  'model_name',
  'metadata',
];

export function vectorType(dimension: number): FixedSizeList<Float32> {
  return new FixedSizeList(dimension, new Field('item', new Float32(), false));
}

export function segmentSchema(dimension: number, model: string): Schema {
  const fields = COLUMNS.map((name) => {
    if (name === 'label') return new Field(name, new Uint32(), false);
    if (name === 'start_sec' || name === 'end_sec') return new Field(name, new Float64(), false);
    if (name === 'vector') return new Field(name, vectorType(dimension), false);
    return new Field(name, new Utf8(), false);
  });
  return new Schema(
    fields,
    new Map([
      ['dim', String(dimension)],
      ['model', model],
      ['version', String(FORMAT_VERSION)],
    ]),
  );
}

/** The SegmentRows field that holds each string column. */
export const STRING_COLUMN_FIELD = {
  video_id: 'videoId',
  source: 'source',
  content_sha256: 'contentSha256',
  modality: 'modality',
  embedding_option: 'embeddingOption',
  embedding_scope: 'embeddingScope',
  model_name: 'modelName',
  metadata: 'metadata',
} as const satisfies Record<StringColumn, string>;
export type StringField = (typeof STRING_COLUMN_FIELD)[StringColumn];
