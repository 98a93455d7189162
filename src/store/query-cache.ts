import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Data } from 'apache-arrow';
import { writeFileAtomic } from './atomic-write.js';
import { sha256Hex } from './sha256.js';

export { sha256Hex };

export const CACHE_DIR = 'cache';

/** What identifies a query embedding: the same content, modality and model give the same vector. */
export interface QueryKey {
  model: string;
  modality: string;
  contentSha256: string;
}

/**
 * Query embeddings already paid for, one small Arrow file each, so a repeated query
 * (or one asked offline) never calls the API again. apache-arrow loads on first use:
 * a search by vector never needs it.
 */
export class QueryCache {
  readonly dir: string;

  constructor(libraryDir: string) {
    this.dir = join(libraryDir, CACHE_DIR);
  }

  async get(key: QueryKey): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const { tableFromIPC } = await import('apache-arrow');
    const table = tableFromIPC(bytes);
    const data = table.getChild('vector')?.data[0];
    const values = data?.children[0]?.values;
    return values instanceof Float32Array ? values.slice(0, data?.type.listSize) : undefined;
  }

  async put(key: QueryKey, vector: Float32Array): Promise<void> {
    const [{ Field, Float32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC }, { vectorType }] = await Promise.all([import('apache-arrow'), import('./schema.js')]);
    const fields = [new Field('vector', vectorType(vector.length), false)];
    const schema = new Schema(fields, new Map([['model', key.model], ['modality', key.modality], ['content_sha256', key.contentSha256]]));
    const column: Data = makeData({ type: vectorType(vector.length), length: 1, child: makeData({ type: new Float32(), length: vector.length, data: vector }) });
    const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [column] }));
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.#path(key), tableToIPC(new Table(schema, [batch]), 'file'));
  }

  #path(key: QueryKey): string {
    return join(this.dir, `${sha256Hex(`${key.model}\n${key.modality}\n${key.contentSha256}`)}.arrow`);
  }
}
