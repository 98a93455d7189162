import { STRING_COLUMN_FIELD, STRING_COLUMNS, type StringField } from './columns.js';
import type { SegmentRows } from './segment-rows.js';

/**
 * What makes two stored segments the same one, under the library's single model: the video,
 * the embedding option and scope, and the time span. A row with the identity of a stored one
 * replaces it.
 */
export function segmentIdentity(
  videoId: string,
  option: string,
  scope: string,
  startSec: number,
  endSec: number,
): string {
  return JSON.stringify([videoId, option, scope, startSec, endSec]);
}

export function identityOfRow(rows: SegmentRows, row: number): string {
  return segmentIdentity(
    rows.videoId[row] ?? '',
    rows.embeddingOption[row] ?? '',
    rows.embeddingScope[row] ?? '',
    rows.startSec[row] ?? 0,
    rows.endSec[row] ?? 0,
  );
}

/** The given rows of a batch, in the order given. */
function pickRows(rows: SegmentRows, picked: readonly number[]): SegmentRows {
  const { dimension } = rows;
  const vectors = new Float32Array(picked.length * dimension);
  const startSec = new Float64Array(picked.length);
  const endSec = new Float64Array(picked.length);
  const strings = Object.fromEntries(
    STRING_COLUMNS.map((column) => [STRING_COLUMN_FIELD[column], [] as string[]]),
  ) as Record<StringField, string[]>;
  picked.forEach((row, i) => {
    vectors.set(rows.vectors.subarray(row * dimension, (row + 1) * dimension), i * dimension);
    startSec[i] = rows.startSec[row] ?? 0;
    endSec[i] = rows.endSec[row] ?? 0;
    for (const column of STRING_COLUMNS) {
      const field = STRING_COLUMN_FIELD[column];
      strings[field].push(rows[field][row] ?? '');
    }
  });
  return { count: picked.length, dimension, vectors, startSec, endSec, ...strings };
}

/** A batch with one row per identity, the last one given winning (as a later import would). */
export function lastOfEachIdentity(rows: SegmentRows): SegmentRows {
  const last = new Map<string, number>();
  for (let row = 0; row < rows.count; row++) last.set(identityOfRow(rows, row), row);
  if (last.size === rows.count) return rows;
  return pickRows(
    rows,
    [...last.values()].sort((a, b) => a - b),
  );
}
