import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QueryCache, type QueryKey, sha256Hex } from '../../src/store/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const A = 'http://127.0.0.1:4010';
const B = 'https://api.twelvelabs.io';
const content = { model: 'marengo3.0', modality: 'text', contentSha256: sha256Hex('a bird') };
const at = (origin: string | null): QueryKey => ({ ...content, origin });

/** A cache file as vsearch wrote them before origins and checksums: model, modality and content only. */
async function writeLegacyFile(cache: QueryCache, vector: Float32Array): Promise<void> {
  const { Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } = await import(
    'apache-arrow'
  );
  const type = new FixedSizeList(vector.length, new Field('item', new Float32(), false));
  const fields = [new Field('vector', type, false)];
  const schema = new Schema(
    fields,
    new Map([
      ['model', content.model],
      ['modality', content.modality],
      ['content_sha256', content.contentSha256],
    ]),
  );
  const column = makeData({
    type,
    length: 1,
    child: makeData({ type: new Float32(), length: vector.length, data: vector }),
  });
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [column] }),
  );
  const { mkdir } = await import('node:fs/promises');
  await mkdir(cache.dir, { recursive: true });
  await writeFile(
    join(cache.dir, `${sha256Hex(`${content.model}\n${content.modality}\n${content.contentSha256}`)}.arrow`),
    tableToIPC(new Table(schema, [batch]), 'file'),
  );
}

/** Changes one float of the stored vector in place (the file stays a readable Arrow file). */
async function flipVectorValue(path: string, vector: Float32Array): Promise<void> {
  const bytes = await readFile(path);
  const at = bytes.indexOf(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
  expect(at).toBeGreaterThan(0);
  bytes.writeFloatLE(0.123, at + 4);
  await writeFile(path, bytes);
}

describe('QueryCache', () => {
  it('returns what was put under the same model, modality, content and origin, and nothing otherwise', async () => {
    const cache = new QueryCache(await tempDir());
    const key = at(A);
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, Float32Array.from([0.6, 0.8, 0]));
    expect([...((await cache.get(key)) ?? [])]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0]);
    expect(await cache.get({ ...key, model: 'marengo3.5' })).toBeUndefined();
    expect(await cache.get({ ...key, modality: 'image' })).toBeUndefined();
    expect(await cache.get({ ...key, contentSha256: sha256Hex('a cat') })).toBeUndefined();
    expect(await cache.get(at(B))).toBeUndefined();
    expect(await cache.get(at(null))).toBeUndefined();
  });

  it('reads a file again once another writer replaced or removed it, though it keeps what it decoded', async () => {
    const dir = await tempDir();
    const cache = new QueryCache(dir);
    await cache.put(at(A), Float32Array.from([1, 0]));
    expect([...((await cache.lookup(content, undefined)).entry?.vector ?? [])]).toEqual([1, 0]);
    await new QueryCache(dir).put(at(A), Float32Array.from([0, 1]));
    expect([...((await cache.lookup(content, undefined)).entry?.vector ?? [])]).toEqual([0, 1]);
    expect([...((await cache.lookup(content, A)).entry?.vector ?? [])]).toEqual([0, 1]);
    await new QueryCache(dir).clear();
    expect((await cache.lookup(content, undefined)).entry).toBeUndefined();
    expect((await cache.lookup(content, A)).entry).toBeUndefined();
  });

  it("serves a search with no API at hand (offline) any origin's entry, preferring one of unknown origin", async () => {
    const cache = new QueryCache(await tempDir());
    await cache.put(at(A), Float32Array.from([1, 0]));
    expect((await cache.lookup(content, undefined)).entry?.key.origin).toBe(A);
    await cache.put(at(null), Float32Array.from([0, 1]));
    expect((await cache.lookup(content, undefined)).entry?.key.origin).toBeNull();
    expect([...((await cache.lookup(content, A)).entry?.vector ?? [])]).toEqual([1, 0]);
  });

  it('reads a file from before origins as of unknown origin, never serving it to a known origin', async () => {
    const cache = new QueryCache(await tempDir());
    await writeLegacyFile(cache, Float32Array.from([0.6, 0.8]));
    expect((await cache.lookup(content, A)).entry).toBeUndefined();
    expect((await cache.lookup(content, undefined)).entry).toMatchObject({ key: at(null), createdAt: null });
    expect(await cache.entries()).toEqual([expect.objectContaining({ key: at(null) })]);
  });

  it.each([
    [
      'a changed vector value',
      async (path: string, vector: Float32Array) => flipVectorValue(path, vector),
      /does not match its checksum/,
    ],
    [
      'a truncated file',
      async (path: string) => writeFile(path, (await readFile(path)).subarray(0, 40)),
      /not a readable Arrow file|no float32 vector/,
    ],
    [
      "another key's bytes under this name",
      async (path: string) => {
        const other = new QueryCache(join(path, '..', '..', 'other'));
        await other.put({ ...at(A), contentSha256: sha256Hex('a cat') }, Float32Array.from([1, 2, 3]));
        const [name] = await readdir(other.dir);
        await writeFile(path, await readFile(join(other.dir, name as string)));
      },
      /key does not match its file name/,
    ],
  ])('detects %s: never served, reported, skipped by entries()', async (_case, damage, problem) => {
    const cache = new QueryCache(await tempDir());
    const vector = Float32Array.from([0.25, 0.5, 0.75]);
    await cache.put(at(A), vector);
    const [name] = await readdir(cache.dir);
    await damage(join(cache.dir, name as string), vector);
    const lookup = await cache.lookup(content, A);
    expect(lookup.entry).toBeUndefined();
    expect(lookup.damaged).toEqual([
      { file: join(cache.dir, name as string), problem: expect.stringMatching(problem) },
    ]);
    const damaged: string[] = [];
    expect(await cache.entries({ onDamaged: (file) => damaged.push(file.problem) })).toEqual([]);
    expect(damaged).toEqual([expect.stringMatching(problem)]);
  });

  it("treats a vector of another dimension than the library's as damaged", async () => {
    const cache = new QueryCache(await tempDir());
    await cache.put(at(A), Float32Array.from([1, 0, 0]));
    expect((await cache.lookup(content, A, 3)).entry).toBeDefined();
    expect((await cache.lookup(content, A, 4)).damaged).toEqual([
      expect.objectContaining({ problem: expect.stringMatching(/3 dimensions, not the library's 4/) }),
    ]);
  });

  it('clears by origin and modality, keeps damaged files under a filter, and clears everything without one', async () => {
    const cache = new QueryCache(await tempDir());
    await cache.put(at(A), Float32Array.from([1, 0]));
    await cache.put(at(B), Float32Array.from([0, 1]));
    await cache.put({ ...at(A), modality: 'image' }, Float32Array.from([1, 1]));
    await cache.put({ ...at(null), contentSha256: sha256Hex('a cat') }, Float32Array.from([1, 2]));
    await writeFile(join(cache.dir, `${'0'.repeat(64)}.arrow`), 'not arrow');
    expect(await cache.clear({ origin: A, modality: 'text' })).toBe(1);
    expect((await cache.entries()).map((entry) => `${entry.key.origin}/${entry.key.modality}`).sort()).toEqual([
      `${A}/image`,
      `${B}/text`,
      'null/text',
    ]);
    expect(await cache.clear({ origin: null })).toBe(1);
    expect(await cache.clear({ modality: 'image' })).toBe(1);
    expect((await readdir(cache.dir)).length).toBe(2);
    expect(await cache.clear()).toBe(2);
    expect(await readdir(cache.dir)).toEqual([]);
  });
});
