import { STRING_COLUMN_FIELD, STRING_COLUMNS, type StringField } from './schema.js';
import type { SegmentFile } from './segment-file.js';
import type { SegmentRows } from './segment-rows.js';

/** Copies the given rows of a stored file into a new batch, keeping their labels. */
export function selectRows(file: SegmentFile, rows: readonly number[]): { rows: SegmentRows; labels: Uint32Array } {
  const dimension = file.dimension;
  const vectors = new Float32Array(rows.length * dimension);
  const labels = new Uint32Array(rows.length);
  const startSec = new Float64Array(rows.length);
  const endSec = new Float64Array(rows.length);
  const strings = Object.fromEntries(STRING_COLUMNS.map((column) => [STRING_COLUMN_FIELD[column], [] as string[]])) as Record<StringField, string[]>;
  rows.forEach((row, i) => {
    vectors.set(file.vector(row), i * dimension);
    labels[i] = file.labels[row] as number;
    startSec[i] = file.startSec[row] as number;
    endSec[i] = file.endSec[row] as number;
    for (const column of STRING_COLUMNS) strings[STRING_COLUMN_FIELD[column]].push(file.string(column, row));
  });
  return { rows: { count: rows.length, dimension, vectors, startSec, endSec, ...strings }, labels };
}
