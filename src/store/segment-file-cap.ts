import { InputError } from '../errors.js';
import { STRING_COLUMN_FIELD, STRING_COLUMNS } from './columns.js';
import type { SegmentRows } from './segment-rows.js';

/**
 * At most this many rows per segment file (65,536: 128 MiB of vectors at 512-d, 256 MiB at 1024-d).
 * One import of any size becomes several files, so no file nears the 2 GiB that Node's readFile
 * refuses and one file is never more than a small part of memory.
 */
export const DEFAULT_SEGMENT_FILE_ROWS = 65_536;
/** At most this many bytes of column data per segment file (256 MiB), whatever the dimension and metadata. */
export const DEFAULT_SEGMENT_FILE_BYTES = 256 * 1024 * 1024;

export interface SegmentFileCap {
  rows: number;
  bytes: number;
}

/** The cap, checked: each limit a positive integer (the defaults where not given). */
export function segmentFileCap(rows: number | undefined, bytes: number | undefined): SegmentFileCap {
  const cap = { rows: rows ?? DEFAULT_SEGMENT_FILE_ROWS, bytes: bytes ?? DEFAULT_SEGMENT_FILE_BYTES };
  if (!Number.isSafeInteger(cap.rows) || cap.rows < 1)
    throw new InputError(`the segmentFileRows option must be a positive integer, got ${String(rows)}`);
  if (!Number.isSafeInteger(cap.bytes) || cap.bytes < 1)
    throw new InputError(`the segmentFileBytes option must be a positive integer, got ${String(bytes)}`);
  return cap;
}

/**
 * Where to cut `rows` into files under the cap: the end row of each file, ascending. A row's
 * size counts its vector, label, times and the UTF-8 bytes of its strings with their offsets;
 * a file always takes at least one row.
 */
export function fileBreaks(rows: SegmentRows, cap: SegmentFileCap): number[] {
  const fixed = rows.dimension * 4 + 4 + 16 + STRING_COLUMNS.length * 4;
  const breaks: number[] = [];
  let start = 0;
  let bytes = 0;
  for (let row = 0; row < rows.count; row++) {
    let size = fixed;
    for (const column of STRING_COLUMNS)
      size += Buffer.byteLength(rows[STRING_COLUMN_FIELD[column]][row] ?? '', 'utf8');
    if (row > start && (row - start >= cap.rows || bytes + size > cap.bytes)) {
      breaks.push(row);
      start = row;
      bytes = 0;
    }
    bytes += size;
  }
  breaks.push(rows.count);
  return breaks;
}

/** Rows `start` to `end` (exclusive) as a batch of their own; typed arrays are views, not copies. */
export function sliceRows(rows: SegmentRows, start: number, end: number): SegmentRows {
  if (start === 0 && end === rows.count) return rows;
  const d = rows.dimension;
  const strings = Object.fromEntries(
    STRING_COLUMNS.map((column) => [STRING_COLUMN_FIELD[column], rows[STRING_COLUMN_FIELD[column]].slice(start, end)]),
  );
  return {
    ...rows,
    ...strings,
    count: end - start,
    vectors: rows.vectors.subarray(start * d, end * d),
    startSec: rows.startSec.subarray(start, end),
    endSec: rows.endSec.subarray(start, end),
  };
}
