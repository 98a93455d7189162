/** The segment file's columns and format version as plain values: no Arrow, so the query path can use them without loading apache-arrow. */

export const FORMAT_VERSION = 1;

/** Column names of a segment file, in order (docs/design.md section 4). */
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

type ColumnName = (typeof COLUMNS)[number];
export type StringColumn = Exclude<ColumnName, 'label' | 'start_sec' | 'end_sec' | 'vector'>;
const NOT_STRINGS: readonly ColumnName[] = ['label', 'start_sec', 'end_sec', 'vector'];
export const STRING_COLUMNS: readonly StringColumn[] = COLUMNS.filter(
  (column): column is StringColumn => !NOT_STRINGS.includes(column),
);

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
