import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportOptions, streamImportFiles } from '../../src/build/import-files.js';
import { InputError } from '../../src/errors.js';
import { encodeSegmentFile, type SegmentRows, SegmentRowsBuilder } from '../../src/store/index.js';
import { concatRows } from '../../src/store/select-rows.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** Every row the streaming import hands out, joined, with the model chosen (batches of `batchRows`). */
async function readImportFiles(
  paths: readonly string[],
  options: ImportOptions = {},
  batchRows = 1000,
): Promise<{ rows: SegmentRows; model: string }> {
  const batches: SegmentRows[] = [];
  const imported = await streamImportFiles(paths, options, batchRows, async (rows) => {
    batches.push(rows);
  });
  return { rows: concatRows(batches), model: imported.model };
}
const FIXTURES = join(SHARED_DATA, '..', 'reference', 'twelvelabs-fixtures');

describe('readImportFiles', () => {
  it("reads JSONL segments under our names and the API's names", async () => {
    const dir = await tempDir();
    const path = await writeJsonl(dir, 'a.jsonl', [
      { video_id: 'v', start_sec: 0, end_sec: 6, embedding: testVector(4, 1), model_name: 'custom' },
      { video_id: 'v', start_offset_sec: 6, end_offset_sec: 12, float: testVector(4, 2), embedding_option: 'audio' },
      { video_id: 'w', start: 0, end: 3, embedding: testVector(4, 3), metadata: { lang: 'en' } },
    ]);
    const { rows, model } = await readImportFiles([path], { metadata: { batch: 7 } });
    expect(model).toBe('custom');
    expect(rows.count).toBe(3);
    expect([...rows.startSec]).toEqual([0, 6, 0]);
    expect([...rows.endSec]).toEqual([6, 12, 3]);
    expect(rows.embeddingOption).toEqual(['visual', 'audio', 'visual']);
    expect(rows.modelName).toEqual(['custom', 'custom', 'custom']);
    expect(rows.metadata[2]).toBe('{"batch":7,"lang":"en"}');
    expect(rows.source[0]).toBe(path);
  });

  it('infers Marengo 2.7 from 1024 dimensions and names its embeddings visual-text', async () => {
    const dir = await tempDir();
    const path = await writeJsonl(dir, 'a.jsonl', clipSegments('v', 2, 1024, 1));
    const { model, rows } = await readImportFiles([path]);
    expect(model).toBe('Marengo-retrieval-2.7');
    expect(rows.embeddingOption).toEqual(['visual-text', 'visual-text']);
  });

  it('asks for --model when 512 dimensions could be marengo3.0 or 3.5', async () => {
    const dir = await tempDir();
    const path = await writeJsonl(dir, 'a.jsonl', clipSegments('v', 1, 512, 1));
    await expect(readImportFiles([path])).rejects.toThrow(/pass `model`/);
    expect((await readImportFiles([path], { model: 'marengo3.5' })).model).toBe('marengo3.5');
    await expect(readImportFiles([path], { model: 'Marengo-retrieval-2.7' })).rejects.toThrow(
      /have 1024 dimensions but these have 512/,
    );
  });

  it('rejects an import that mixes models, or disagrees with the library', async () => {
    const dir = await tempDir();
    const path = await writeJsonl(dir, 'a.jsonl', [
      { ...clipSegments('v', 1, 8, 1)[0], model_name: 'x' },
      { ...clipSegments('v', 1, 8, 2)[0], model_name: 'y' },
    ]);
    await expect(readImportFiles([path])).rejects.toThrow(/mixes models: x .*a\.jsonl:1.* and y .*a\.jsonl:2/);
    const single = await writeJsonl(dir, 'b.jsonl', clipSegments('v', 1, 8, 1, { model_name: 'x' }));
    await expect(readImportFiles([single], { libraryModel: 'z', libraryDimension: 8 })).rejects.toThrow(
      /the library says the model is z but the data says x/,
    );
  });

  it('reads Arrow files in the segment schema, with their metadata and model', async () => {
    const dir = await tempDir();
    const builder = new SegmentRowsBuilder();
    for (let i = 0; i < 3; i++) {
      builder.add(
        {
          videoId: `v${i}`,
          vector: testVector(16, i),
          startSec: i,
          endSec: i + 2,
          source: 'x.mp4',
          contentSha256: 'ff',
          modality: 'video',
          embeddingOption: 'audio',
          embeddingScope: 'clip',
          modelName: 'custom-16',
          metadata: { i },
        },
        { file: 't' },
      );
    }
    const path = join(dir, 'seg.arrow');
    await writeFile(path, encodeSegmentFile(builder.build(), Uint32Array.from([10, 11, 12]), 'custom-16'));
    const { rows, model } = await readImportFiles([path]);
    expect(model).toBe('custom-16');
    expect(rows.videoId).toEqual(['v0', 'v1', 'v2']);
    expect(rows.embeddingOption).toEqual(['audio', 'audio', 'audio']);
    expect(rows.metadata[1]).toBe('{"i":1}');
    expect(rows.contentSha256[0]).toBe('ff');
  });

  it('fails on the first bad row with its file and line', async () => {
    const dir = await tempDir();
    const good = clipSegments('v', 3, 8, 1);
    const path = await writeJsonl(dir, 'a.jsonl', [good[0], good[1], { ...good[2], end_sec: 0 }]);
    await expect(readImportFiles([path])).rejects.toThrow(`${path}:3: start_sec (12) must be less than end_sec (0)`);
    await writeFile(join(dir, 'b.jsonl'), `${JSON.stringify(good[0])}\n{not json\n`);
    await expect(readImportFiles([join(dir, 'b.jsonl')])).rejects.toThrow(/b\.jsonl:2: the line is not valid JSON/);
    await expect(readImportFiles([join(dir, 'missing.jsonl')])).rejects.toThrow(InputError);
    await expect(readImportFiles([join(dir, 'x.csv')])).rejects.toThrow(/cannot import this kind of file/);
  });

  it.skipIf(!HAS_SHARED_DATA)('reads the saved v1 and v2 embed responses of the fixtures', async () => {
    const dir = await tempDir();
    const v1 = join(dir, 'clip-v1.json');
    const v2 = join(dir, 'clip-v2.json');
    // The fixtures carry placeholder vectors; give them the model's 512 dimensions, keep the rest.
    const widen = (segments: Record<string, unknown>[], field: string): void =>
      segments.forEach((segment, i) => (segment[field] = testVector(512, i + 1)));
    const v1Body = JSON.parse(await readFile(join(FIXTURES, 'embed_v1_tasks_retrieve.response.json'), 'utf8')) as {
      model_name: string;
      video_embedding: { segments: Record<string, unknown>[] };
    };
    widen(v1Body.video_embedding.segments, 'float');
    await writeFile(v1, JSON.stringify(v1Body));
    const v2Body = JSON.parse(
      await readFile(join(FIXTURES, 'embed_v2_tasks_retrieve.response.ready.json'), 'utf8'),
    ) as { data: Record<string, unknown>[] };
    widen(v2Body.data, 'embedding');
    await writeFile(v2, JSON.stringify(v2Body));
    const one = await readImportFiles([v1]);
    expect(one.model).toBe(v1Body.model_name);
    expect(one.rows.count).toBe(v1Body.video_embedding.segments.length);
    expect(new Set(one.rows.videoId)).toEqual(new Set(['clip-v1']));
    expect(one.rows.embeddingOption).toEqual(
      v1Body.video_embedding.segments.map((segment) => segment['embedding_option']),
    );
    const two = await readImportFiles([v2], { model: 'marengo3.0' });
    expect(two.rows.embeddingOption).toEqual(['visual', 'transcription']);
    expect([...two.rows.endSec]).toEqual([4.2, 4.2]);
  });

  it('rejects a JSON file that is no embed response', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'r.json'), '{"hello": 1}');
    await expect(readImportFiles([join(dir, 'r.json')])).rejects.toThrow(/not a TwelveLabs embed response/);
  });
});
