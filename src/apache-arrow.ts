import { createRequire } from 'node:module';
import type * as ApacheArrow from 'apache-arrow';

/**
 * apache-arrow from its one-file build: the same package, version and API as
 * `import 'apache-arrow'`, whose ES-module build is some 150 modules that cost every CLI start
 * about a tenth of a second of CPU to resolve and compile (`vsearch stats` needs Arrow to read
 * the video facts). Every Arrow value comes from here, so there is one copy of its classes and
 * `instanceof` holds; pure types may be imported from 'apache-arrow' (erased at build).
 */
const arrow = createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as typeof ApacheArrow;

export const {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  makeData,
  RecordBatch,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Uint8,
  Uint32,
  Utf8,
  vectorFromArray,
} = arrow;

// The classes also used as types, under the same names.
export type FixedSizeList<T extends ApacheArrow.DataType> = ApacheArrow.FixedSizeList<T>;
export type Float32 = ApacheArrow.Float32;
export type RecordBatchReader = ApacheArrow.RecordBatchReader;
export type Schema = ApacheArrow.Schema;
export type Table = ApacheArrow.Table;
export type Utf8 = ApacheArrow.Utf8;
