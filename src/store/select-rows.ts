import { STRING_COLUMN_FIELD, STRING_COLUMNS, type StringField } from './columns.js';
import type { SegmentFile } from './segment-file.js';
import type { SegmentRows } from './segment-rows.js';

/** Copies the given rows of a stored file into a new batch, keeping their labels. */
export function selectRows(file: SegmentFile, rows: readonly number[]): { rows: SegmentRows; labels: Uint32Array } {
  const dimension = file.dimension;
  const vectors = new Float32Array(rows.length * dimension);
  const labels = new Uint32Array(rows.length);
  const startSec = new Float64Array(rows.length);
  const endSec = new Float64Array(rows.length);
  const strings = Object.fromEntries(
    STRING_COLUMNS.map((column) => [STRING_COLUMN_FIELD[column], [] as string[]]),
  ) as Record<StringField, string[]>;
  rows.forEach((row, i) => {
    vectors.set(file.vector(row), i * dimension);
    labels[i] = file.labels[row] as number;
    startSec[i] = file.startSec[row] as number;
    endSec[i] = file.endSec[row] as number;
    for (const column of STRING_COLUMNS) strings[STRING_COLUMN_FIELD[column]].push(file.string(column, row));
  });
  return { rows: { count: rows.length, dimension, vectors, startSec, endSec, ...strings }, labels };
}

/** Joins batches of one dimension into one. */
export function concatRows(parts: readonly SegmentRows[]): SegmentRows {
  const first = parts[0];
  if (first === undefined) throw new Error('concatRows needs at least one batch');
  if (parts.length === 1) return first;
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const vectors = new Float32Array(count * first.dimension);
  const startSec = new Float64Array(count);
  const endSec = new Float64Array(count);
  let at = 0;
  for (const part of parts) {
    vectors.set(part.vectors.subarray(0, part.count * first.dimension), at * first.dimension);
    startSec.set(part.startSec, at);
    endSec.set(part.endSec, at);
    at += part.count;
  }
  const strings = Object.fromEntries(
    STRING_COLUMNS.map((column) => [
      STRING_COLUMN_FIELD[column],
      parts.flatMap((part) => [...part[STRING_COLUMN_FIELD[column]]]),
    ]),
  ) as Record<StringField, string[]>;
  return { count, dimension: first.dimension, vectors, startSec, endSec, ...strings };
}
