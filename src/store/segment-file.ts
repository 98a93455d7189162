import type { Data, Vector } from 'apache-arrow';
import {
  Float32,
  Float64,
  makeData,
  RecordBatch,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Uint32,
} from '../apache-arrow.js';
import { StoreError } from '../errors.js';
import { readSegmentBytes } from './read-segment-bytes.js';
import { COLUMNS, STRING_COLUMN_FIELD, type StringColumn, segmentSchema, vectorType } from './schema.js';
import type { SegmentRows } from './segment-rows.js';
import { utf8Column } from './utf8-column.js';

/**
 * Encode rows as one Arrow IPC file (a single record batch, so vectors stay contiguous). The store
 * keeps each file under its cap (segment-file-cap.ts), which also keeps every string column under
 * Arrow's 2 GiB of 32-bit offsets.
 */
export function encodeSegmentFile(rows: SegmentRows, labels: Uint32Array, model: string): Uint8Array {
  const schema = segmentSchema(rows.dimension, model);
  const n = rows.count;
  const children: Data[] = COLUMNS.map((name) => {
    if (name === 'label') return makeData({ type: new Uint32(), length: n, data: labels });
    if (name === 'start_sec') return makeData({ type: new Float64(), length: n, data: rows.startSec });
    if (name === 'end_sec') return makeData({ type: new Float64(), length: n, data: rows.endSec });
    if (name === 'vector') {
      const values = makeData({ type: new Float32(), length: n * rows.dimension, data: rows.vectors });
      return makeData({ type: vectorType(rows.dimension), length: n, child: values });
    }
    return utf8Column(rows[STRING_COLUMN_FIELD[name]]);
  });
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
  );
  return tableToIPC(new Table(schema, [batch]), 'file');
}

/**
 * A segment file opened for reading. Vectors and labels are views into the file's
 * bytes (no per-row objects); string columns are decoded only for the rows asked for.
 */
export class SegmentFile {
  readonly name: string;
  readonly count: number;
  readonly dimension: number;
  readonly model: string;
  /** Row-major, count * dimension, L2-normalized. */
  readonly vectors: Float32Array;
  /** Ascending: labels are handed out in order and never reused. */
  readonly labels: Uint32Array;
  readonly startSec: Float64Array;
  readonly endSec: Float64Array;
  readonly #table: Table;
  readonly #strings = new Map<StringColumn, Vector>();

  constructor(name: string, table: Table) {
    this.name = name;
    this.#table = table;
    const meta = table.schema.metadata;
    const dimension = Number(meta.get('dim'));
    const missing = COLUMNS.filter((column) => table.getChild(column) === null);
    if (missing.length > 0) throw new StoreError(`segment file ${name} lacks the column(s) ${missing.join(', ')}`);
    if (!Number.isInteger(dimension) || dimension <= 0)
      throw new StoreError(`segment file ${name} has no valid "dim" in its schema metadata`);
    this.dimension = dimension;
    this.model = meta.get('model') ?? '';
    this.count = table.numRows;
    this.vectors = contiguous(table, 'vector', Float32Array, dimension, name);
    this.labels = contiguous(table, 'label', Uint32Array, 1, name);
    this.startSec = contiguous(table, 'start_sec', Float64Array, 1, name);
    this.endSec = contiguous(table, 'end_sec', Float64Array, 1, name);
  }

  string(column: StringColumn, row: number): string {
    let vector = this.#strings.get(column);
    if (vector === undefined) {
      vector = this.#table.getChild(column) as Vector;
      this.#strings.set(column, vector);
    }
    return String(vector.get(row) ?? '');
  }

  vector(row: number): Float32Array {
    return this.vectors.subarray(row * this.dimension, (row + 1) * this.dimension);
  }

  /** Row of `label` in this file, or -1. */
  rowOf(label: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.labels[mid] as number;
      if (value === label) return mid;
      if (value < label) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

type TypedArrayConstructor<T> = { new (length: number): T; readonly BYTES_PER_ELEMENT: number };

/**
 * The values of a fixed-width column as one typed array: a view when the file has one
 * record batch (the files we write), a copy when an imported file has several.
 */
function contiguous<T extends Float32Array | Float64Array | Uint32Array>(
  table: Table,
  column: string,
  Kind: TypedArrayConstructor<T>,
  width: number,
  file: string,
): T {
  const chunks = (table.getChild(column) as Vector).data.map((data) => {
    const values = (width === 1 ? data.values : data.children[0]?.values) as unknown;
    if (!(values instanceof Kind)) throw new StoreError(`segment file ${file}: column ${column} has the wrong type`);
    const start = data.offset * width;
    const chunk = (values as T).subarray(start, start + data.length * width) as T;
    // Short values: a damaged file, or one whose writer got a column of 2 GiB or more wrong (Arrow for JavaScript does).
    if (chunk.length !== data.length * width) {
      throw new StoreError(
        `segment file ${file}: column ${column} holds ${chunk.length} values for ${data.length} rows of ${width} (the file is damaged, or was written with a column of 2 GiB or more); it cannot be searched`,
      );
    }
    return chunk;
  });
  if (chunks.length === 1) return chunks[0] as T;
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Kind(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk as never, at);
    at += chunk.length;
  }
  return joined;
}

export function decodeSegmentFile(name: string, bytes: Uint8Array): SegmentFile {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new StoreError(
      `segment file ${name} is not a readable Arrow IPC file (truncated or corrupt): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return new SegmentFile(name, table);
}

export async function readSegmentFile(path: string, name: string): Promise<SegmentFile> {
  const bytes = await readSegmentBytes(path);
  return decodeSegmentFile(name, bytes);
}
