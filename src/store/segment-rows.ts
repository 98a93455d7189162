import { InputError } from '../errors.js';
import { type Fail, writeUnitFloat32 } from '../float32-vector.js';
import { checkJsonValue } from '../json-limits.js';
import type { Metadata } from '../types.js';

/** A columnar batch of validated, L2-normalized segments, ready to be written as one file. */
export interface SegmentRows {
  readonly count: number;
  readonly dimension: number;
  readonly vectors: Float32Array;
  readonly videoId: readonly string[];
  readonly source: readonly string[];
  readonly contentSha256: readonly string[];
  readonly modality: readonly string[];
  readonly embeddingOption: readonly string[];
  readonly embeddingScope: readonly string[];
  readonly startSec: Float64Array;
  readonly endSec: Float64Array;
  readonly modelName: readonly string[];
  /** JSON text of each row's metadata object. */
  readonly metadata: readonly string[];
}

/** One row as an importer hands it in, before validation. */
export interface SegmentRowInput {
  videoId: unknown;
  vector: unknown;
  startSec: unknown;
  endSec: unknown;
  source: string;
  contentSha256: string;
  modality: string;
  embeddingOption: string;
  embeddingScope: string;
  modelName: string;
  metadata: Metadata;
  /** The name the file gave the embedding (`embedding`, `float`, `data[2].embedding`), for messages. */
  vectorField?: string | undefined;
}

/** Where a row came from, for error messages: the file and its 1-based line or row. */
export interface RowOrigin {
  file: string;
  line?: number;
}

/**
 * Accumulates rows, validating each one as it arrives so the first bad row fails
 * the whole import with its file, line and reason before anything is written.
 */
export class SegmentRowsBuilder {
  #dimension: number | undefined;
  #dimensionOrigin = '';
  #vectors = new Float32Array(0);
  #count = 0;
  readonly #videoId: string[] = [];
  readonly #source: string[] = [];
  readonly #contentSha256: string[] = [];
  readonly #modality: string[] = [];
  readonly #embeddingOption: string[] = [];
  readonly #embeddingScope: string[] = [];
  readonly #startSec: number[] = [];
  readonly #endSec: number[] = [];
  readonly #modelName: string[] = [];
  readonly #metadata: string[] = [];

  /** `dimension` is the library's, when it already has one. */
  constructor(dimension?: number, dimensionOrigin = 'the library') {
    this.#dimension = dimension;
    this.#dimensionOrigin = dimensionOrigin;
  }

  get count(): number {
    return this.#count;
  }

  get dimension(): number | undefined {
    return this.#dimension;
  }

  add(row: SegmentRowInput, origin: RowOrigin): void {
    const fail = (reason: string): never => {
      throw new InputError(reason, origin);
    };
    if (typeof row.videoId !== 'string' || row.videoId.trim() === '')
      fail('the segment has no video_id (a non-empty string is required)');
    const videoId = row.videoId as string;
    const start = row.startSec;
    const end = row.endSec;
    if (typeof start !== 'number' || !Number.isFinite(start))
      fail(`start_sec must be a finite number, got ${JSON.stringify(start)}`);
    if (typeof end !== 'number' || !Number.isFinite(end))
      fail(`end_sec must be a finite number, got ${JSON.stringify(end)}`);
    if ((start as number) < 0) fail(`start_sec must be >= 0, got ${String(start)}`);
    if ((start as number) >= (end as number))
      fail(`start_sec (${String(start)}) must be less than end_sec (${String(end)})`);
    const metadata = metadataText(row.metadata, fail);
    this.#appendVector(row.vector, row.vectorField ?? 'embedding', fail);
    this.#videoId.push(videoId);
    this.#source.push(row.source);
    this.#contentSha256.push(row.contentSha256);
    this.#modality.push(row.modality);
    this.#embeddingOption.push(row.embeddingOption);
    this.#embeddingScope.push(row.embeddingScope);
    this.#startSec.push(start as number);
    this.#endSec.push(end as number);
    this.#modelName.push(row.modelName);
    this.#metadata.push(metadata);
  }

  build(): SegmentRows {
    return {
      count: this.#count,
      dimension: this.#dimension ?? 0,
      vectors: this.#vectors.slice(0, this.#count * (this.#dimension ?? 0)),
      videoId: this.#videoId,
      source: this.#source,
      contentSha256: this.#contentSha256,
      modality: this.#modality,
      embeddingOption: this.#embeddingOption,
      embeddingScope: this.#embeddingScope,
      startSec: Float64Array.from(this.#startSec),
      endSec: Float64Array.from(this.#endSec),
      modelName: this.#modelName,
      metadata: this.#metadata,
    };
  }

  /** Checks the embedding and appends it to the vector column as a unit float32 vector. */
  #appendVector(value: unknown, field: string, fail: Fail): void {
    if (!(Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array)) {
      fail('the segment has no embedding (an array of numbers is required)');
    }
    const vector = value as ArrayLike<unknown>;
    if (vector.length === 0) fail('the embedding is empty');
    if (this.#dimension !== undefined && vector.length !== this.#dimension) {
      fail(
        `the embedding has ${vector.length} dimensions but ${this.#dimensionOrigin} has ${this.#dimension}; one library holds one dimension (build a separate library for other embeddings)`,
      );
    }
    const dimension = vector.length;
    const needed = (this.#count + 1) * dimension;
    if (needed > this.#vectors.length) {
      const grown = new Float32Array(Math.max(needed, this.#vectors.length * 2, dimension * 64));
      grown.set(this.#vectors);
      this.#vectors = grown;
    }
    // Written in place: a row that fails leaves only bytes past the count, overwritten by the next.
    const names = {
      value: (i: number) => `${field} value ${i}`,
      vector: field === 'embedding' ? 'the embedding' : field,
    };
    writeUnitFloat32(vector, names, this.#vectors, this.#count * dimension, fail);
    if (this.#dimension === undefined) {
      this.#dimension = dimension;
      this.#dimensionOrigin = 'the first segment of this import';
    }
    this.#count++;
  }
}

/** The row's metadata as JSON text, within the limits for JSON input. */
function metadataText(metadata: Metadata, fail: Fail): string {
  return checkJsonValue(metadata, 'the metadata', fail);
}
