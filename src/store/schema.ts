import { Field, FixedSizeList, Float32, Float64, Schema, Uint32, Utf8 } from '../apache-arrow.js';
import { COLUMNS, FORMAT_VERSION } from './columns.js';

export { COLUMNS, FORMAT_VERSION, STRING_COLUMN_FIELD, type StringColumn } from './columns.js';

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
