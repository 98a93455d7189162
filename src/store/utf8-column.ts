import { isAscii } from 'node:buffer';
import type { Data } from 'apache-arrow';
import { makeData, Utf8 } from '../apache-arrow.js';

/**
 * An Arrow Utf8 column of `values`, built in one pass: Arrow's own builder encodes each string
 * separately (most of the time of writing a file of short strings, such as 100k video ids).
 */
export function utf8Column(values: readonly string[]): Data<Utf8> {
  const offsets = new Int32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    bytes += Buffer.byteLength(values[i] as string, 'utf8');
    offsets[i + 1] = bytes;
  }
  const data = new Uint8Array(bytes);
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < values.length; i++) buffer.write(values[i] as string, offsets[i] as number, 'utf8');
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data });
}

/** The strings of an Arrow Utf8 column's chunks, decoded straight from its offsets and bytes. */
export function utf8Values(chunks: readonly Data[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    const offsets = chunk.valueOffsets as Int32Array | undefined;
    const values = chunk.values as Uint8Array | undefined;
    if (offsets === undefined || values === undefined) throw new TypeError('not a Utf8 column');
    const buffer = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const end = chunk.offset + chunk.length;
    if (isAscii(buffer)) {
      // One decode of the whole column, cut at the offsets (byte and character offsets agree in ASCII): a decode per row costs several times more.
      const text = buffer.toString('latin1');
      for (let row = chunk.offset; row < end; row++)
        out.push(text.substring(offsets[row] as number, offsets[row + 1] as number));
      continue;
    }
    for (let row = chunk.offset; row < end; row++)
      out.push(buffer.toString('utf8', offsets[row] as number, offsets[row + 1] as number));
  }
  return out;
}

/**
 * Each row's text of an Arrow Utf8 column's chunks, parsed. A row whose bytes repeat the row
 * before it reuses that parse without decoding its text: rows written by one import share their
 * texts (its sha256, its timestamps), and at 50k rows the decoding is most of the time.
 */
export function parsedUtf8Values<T>(chunks: readonly Data[], parse: (text: string, row: number) => T): T[] {
  const out: T[] = [];
  let previous: { buffer: Buffer; start: number; end: number; value: T } | undefined;
  for (const chunk of chunks) {
    const offsets = chunk.valueOffsets as Int32Array | undefined;
    const values = chunk.values as Uint8Array | undefined;
    if (offsets === undefined || values === undefined) throw new TypeError('not a Utf8 column');
    const buffer = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    for (let row = chunk.offset; row < chunk.offset + chunk.length; row++) {
      const start = offsets[row] as number;
      const end = offsets[row + 1] as number;
      const repeated =
        previous !== undefined &&
        end - start === previous.end - previous.start &&
        buffer.compare(previous.buffer, previous.start, previous.end, start, end) === 0;
      if (previous === undefined || !repeated)
        previous = { buffer, start, end, value: parse(buffer.toString('utf8', start, end), out.length) };
      else {
        previous.start = start;
        previous.end = end;
      }
      out.push(previous.value);
    }
  }
  return out;
}
