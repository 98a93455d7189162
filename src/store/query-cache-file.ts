import type { Data } from 'apache-arrow';
import { sha256Hex } from './sha256.js';

/** What identifies a query embedding: the same content, modality and model, embedded by the same API, give the same vector. */
export interface QueryKey {
  model: string;
  modality: string;
  contentSha256: string;
  /**
   * The origin of the API that embedded it, e.g. "https://api.twelvelabs.io" or
   * "http://127.0.0.1:4010" (an emulator); null when unknown: a file written before origins
   * were kept, or an embedding added without one.
   */
  origin: string | null;
}

/** A cached query as read back and checked. */
export interface CacheEntry {
  key: QueryKey;
  vector: Float32Array;
  /** When it was cached (RFC 3339); null for files from before this was kept. */
  createdAt: string | null;
  /** The file's name in the cache folder. */
  file: string;
}

/** The part of a file name every origin's copy of one query shares. */
export function contentStem(key: Omit<QueryKey, 'origin'>): string {
  return sha256Hex(`${key.model}\n${key.modality}\n${key.contentSha256}`);
}

/** `<content>.arrow` for an unknown origin (the name files had before origins), else `<content>.<origin>.arrow`. */
export function cacheFileName(key: QueryKey): string {
  const stem = contentStem(key);
  return key.origin === null ? `${stem}.arrow` : `${stem}.${sha256Hex(key.origin).slice(0, 16)}.arrow`;
}

function vectorChecksum(vector: Float32Array): string {
  return sha256Hex(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
}

export async function encodeCacheFile(key: QueryKey, vector: Float32Array, createdAt: string): Promise<Uint8Array> {
  const [{ Field, Float32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC }, { vectorType }] =
    await Promise.all([import('../apache-arrow.js'), import('./schema.js')]);
  const fields = [new Field('vector', vectorType(vector.length), false)];
  const metadata = new Map([
    ['model', key.model],
    ['modality', key.modality],
    ['content_sha256', key.contentSha256],
    ['created_at', createdAt],
    ['vector_sha256', vectorChecksum(vector)],
  ]);
  if (key.origin !== null) metadata.set('origin', key.origin);
  const schema = new Schema(fields, metadata);
  const column: Data = makeData({
    type: vectorType(vector.length),
    length: 1,
    child: makeData({ type: new Float32(), length: vector.length, data: vector }),
  });
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [column] }),
  );
  return tableToIPC(new Table(schema, [batch]), 'file');
}

/**
 * The entry in a cache file's bytes, or what is wrong with it: unreadable, a key that is not the
 * one its name stands for, a vector that is empty, not finite, all zero, of another dimension
 * than `dimension`, or (files that carry one) whose checksum does not match.
 */
export async function decodeCacheFile(
  bytes: Uint8Array,
  file: string,
  dimension?: number | null,
): Promise<CacheEntry | { problem: string }> {
  const { tableFromIPC } = await import('../apache-arrow.js');
  let metadata: Map<string, string>;
  let vector: Float32Array;
  try {
    const table = tableFromIPC(bytes);
    metadata = table.schema.metadata;
    const data = table.getChild('vector')?.data[0];
    const values = data?.children[0]?.values;
    if (!(values instanceof Float32Array) || data === undefined)
      return { problem: 'it holds no float32 vector column' };
    vector = values.slice(0, data.type.listSize);
  } catch (error) {
    return { problem: `it is not a readable Arrow file (${(error as Error).message})` };
  }
  const model = metadata.get('model');
  const modality = metadata.get('modality');
  const contentSha256 = metadata.get('content_sha256');
  if (model === undefined || modality === undefined || contentSha256 === undefined)
    return { problem: 'its schema metadata lacks model, modality or content_sha256' };
  const key: QueryKey = { model, modality, contentSha256, origin: metadata.get('origin') ?? null };
  if (cacheFileName(key) !== file) return { problem: 'its key does not match its file name' };
  if (vector.length === 0) return { problem: 'its vector is empty' };
  if (dimension !== undefined && dimension !== null && vector.length !== dimension)
    return { problem: `its vector has ${vector.length} dimensions, not the library's ${dimension}` };
  const checksum = metadata.get('vector_sha256');
  if (checksum !== undefined && checksum !== vectorChecksum(vector))
    return { problem: 'its vector does not match its checksum' };
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (!Number.isFinite(norm)) return { problem: 'its vector holds a value that is not finite' };
  if (norm === 0) return { problem: 'its vector is all zero' };
  return { key, vector, createdAt: metadata.get('created_at') ?? null, file };
}
