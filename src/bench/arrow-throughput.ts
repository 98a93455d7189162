import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSegmentFile, readSegmentFile, type SegmentRows, writeFileAtomic } from '../store/index.js';
import { median, round } from './percentiles.js';

interface Throughput {
  seconds: number;
  mbPerSecond: number;
  rowsPerSecond: number;
}

export interface ArrowThroughput {
  rows: number;
  /** Size of the segment file. */
  bytes: number;
  /** Size of the vectors alone (rows x dimension x 4). */
  vectorBytes: number;
  /** Arrow IPC encode of the segment rows, in memory. */
  encode: Throughput;
  /** Encode plus the store's durable write (temp file, fsync, rename). */
  write: Throughput;
  /** Read the file and open it as a SegmentFile (views, no copies), with a pass over every vector. */
  read: Throughput;
  /** The reference: the same durable write of the raw vector bytes alone. */
  rawWrite: Throughput;
  /** The reference: readFile of the raw vector bytes and the same pass over them. */
  rawRead: Throughput;
  repeats: number;
}

/**
 * Arrow write and read throughput of one segment file of `rows` against writing and
 * reading the bare vector bytes the same way; median of `repeats` runs each. Reads hit
 * the page cache (the file was just written): they measure decoding, not the disk.
 */
export async function measureArrowThroughput(
  rows: SegmentRows,
  labels: Uint32Array,
  model: string,
  dir: string,
  repeats = 3,
): Promise<ArrowThroughput> {
  const segmentPath = join(dir, 'throughput.arrow');
  const rawPath = join(dir, 'throughput.f32');
  const vectorBytes = new Uint8Array(rows.vectors.buffer, rows.vectors.byteOffset, rows.vectors.byteLength);
  let bytes = 0;
  const encodeTimes: number[] = [];
  const writeTimes: number[] = [];
  const readTimes: number[] = [];
  const rawWriteTimes: number[] = [];
  const rawReadTimes: number[] = [];
  let sink = 0;
  try {
    for (let run = 0; run < repeats; run++) {
      let start = process.hrtime.bigint();
      const encoded = encodeSegmentFile(rows, labels, model);
      encodeTimes.push(secondsSince(start));
      await writeFileAtomic(segmentPath, encoded);
      writeTimes.push(secondsSince(start));
      bytes = encoded.byteLength;

      start = process.hrtime.bigint();
      const file = await readSegmentFile(segmentPath, 'throughput.arrow');
      sink += checksum(file.vectors);
      readTimes.push(secondsSince(start));

      start = process.hrtime.bigint();
      await writeFileAtomic(rawPath, vectorBytes);
      rawWriteTimes.push(secondsSince(start));

      start = process.hrtime.bigint();
      const raw = await readFile(rawPath);
      sink += checksum(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4));
      rawReadTimes.push(secondsSince(start));
    }
  } finally {
    await rm(segmentPath, { force: true });
    await rm(rawPath, { force: true });
  }
  if (Number.isNaN(sink)) throw new Error('the vectors read back hold NaN');
  const figures = (times: number[], size: number): Throughput => {
    const seconds = median(times);
    return {
      seconds: round(seconds, 4),
      // Three significant digits: a small file written slowly (an fsync on a busy disk) is not 0 MB/s.
      mbPerSecond: Number((size / 1e6 / seconds).toPrecision(3)),
      rowsPerSecond: Math.round(rows.count / seconds),
    };
  };
  return {
    rows: rows.count,
    bytes,
    vectorBytes: vectorBytes.byteLength,
    encode: figures(encodeTimes, bytes),
    write: figures(writeTimes, bytes),
    read: figures(readTimes, bytes),
    rawWrite: figures(rawWriteTimes, vectorBytes.byteLength),
    rawRead: figures(rawReadTimes, vectorBytes.byteLength),
    repeats,
  };
}

function checksum(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i += 16) sum += values[i] as number;
  return sum;
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
