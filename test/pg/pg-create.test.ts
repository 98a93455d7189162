import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openLibrary } from '../../src/library/index.js';
import { syncPgToFolder } from '../../src/pg/sync-from-pg.js';
import { parsePgTarget } from '../../src/pg/target.js';
import { writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { libraryGeneration, useConnectedTestDatabase } from './pg-server.js';

const DIMENSION = 16;
const tempDir = useTempDirs();

describe('openLibrary(postgres://..., { create: true })', () => {
  const { client, url } = useConnectedTestDatabase();

  async function libraryRows(library: string) {
    const found = await client().query<{ model: string | null; dimension: number | null; hnsw_m: number }>(
      'SELECT model, dimension, hnsw_m FROM vsearch_libraries WHERE library = $1',
      [library],
    );
    return found.rows;
  }

  async function hnswIndexDefinitions(library: string): Promise<string[]> {
    const found = await client().query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'vsearch_segments' AND indexdef LIKE '%' || $1 || '%'",
      [`library = '${library}'`],
    );
    return found.rows.map((row) => row.indexdef);
  }

  it('creates an empty library (model and dimension unset) that the first import fills', async () => {
    const lib = await openLibrary(url('created'), {
      create: true,
      index: { M: 8, efConstruction: 40 },
      queryCacheDir: await tempDir(),
    });
    try {
      const empty = await lib.stats();
      expect(empty).toMatchObject({ backend: 'postgres', model: null, dimension: null });
      expect(empty).toMatchObject({ segments: 0, videos: 0 });
      expect(await lib.listVideos()).toEqual([]);
      expect((await lib.doctor()).healthy).toBe(true);
      expect(await libraryRows('created')).toEqual([{ model: null, dimension: null, hnsw_m: 8 }]);
      expect(await hnswIndexDefinitions('created')).toEqual([]);

      const file = await writeJsonl(
        await tempDir(),
        'segments.jsonl',
        syntheticSegments({ count: 30, dimension: DIMENSION, seed: 3 }, 5),
      );
      const imported = await lib.importSegments(file, { model: 'test-model' });
      expect(imported).toMatchObject({ segments: 30, videos: 6, written: { videos: 6, segments: 30 } });
      const filled = await lib.stats();
      expect(filled).toMatchObject({ model: 'test-model', dimension: DIMENSION });
      expect(filled).toMatchObject({ segments: 30, videos: 6 });
      expect(filled.index).toMatchObject({ M: 8, efConstruction: 40 });
      // The HNSW index is made at the first write, with the M and ef_construction given at creation.
      const [definition, ...more] = await hnswIndexDefinitions('created');
      expect(more).toEqual([]);
      expect(definition).toContain('hnsw');
      expect(definition).toMatch(/m='?8'?/);
      expect(definition).toMatch(/ef_construction='?40'?/);
      const video = await lib.getVideo('v2', { vectors: true });
      const response = await lib.search({ vector: video.segments[0]?.vector ?? [], pageLimit: 3 });
      expect(response.data[0]).toMatchObject({ video_id: 'v2', start: 0 });
      expect((await lib.doctor()).healthy).toBe(true);
    } finally {
      await lib.close();
    }
  }, 120_000);

  it('is idempotent: opening with create again changes nothing, for an empty library or a filled one', async () => {
    const cache = await tempDir();
    const first = await openLibrary(url('twice'), { create: true, queryCacheDir: cache });
    await first.close();
    const generation = await libraryGeneration(client(), 'twice');
    const second = await openLibrary(url('twice'), { create: true, index: { M: 32 }, queryCacheDir: cache });
    try {
      expect((await second.stats()).segments).toBe(0);
    } finally {
      await second.close();
    }
    expect(await libraryRows('twice')).toEqual([{ model: null, dimension: null, hnsw_m: 16 }]);
    expect(await libraryGeneration(client(), 'twice')).toBe(generation);
    // A library created empty syncs to a folder as nothing: no model to refuse, no video to copy.
    const folder = join(await tempDir(), 'lib');
    expect(await syncPgToFolder(parsePgTarget(url('twice')), folder)).toEqual({ videos: 0, segments: 0, unchanged: 0 });

    const filled = await openLibrary(url('created'), { create: true, queryCacheDir: cache });
    try {
      expect(await filled.stats()).toMatchObject({
        model: 'test-model',
        dimension: DIMENSION,
        segments: 30,
      });
    } finally {
      await filled.close();
    }
  }, 120_000);

  it('without create, a missing library is still refused with a clear message and nothing is written', async () => {
    const opening = openLibrary(url('missing'), { queryCacheDir: await tempDir() });
    await expect(opening).rejects.toThrow(InputError);
    await expect(opening).rejects.toThrow(/holds no library missing/);
    expect(await libraryRows('missing')).toEqual([]);
  }, 120_000);
});
