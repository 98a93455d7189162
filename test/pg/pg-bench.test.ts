import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import { InputError } from '../../src/errors.js';
import { openLibrary, type PgLibraryUrl } from '../../src/library/library.js';
import type { PgLibrary } from '../../src/library/pg-library.js';
import { syncFolderToPg } from '../../src/pg/sync-to-pg.js';
import { parsePgTarget } from '../../src/pg/target.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { createTempLibrary, type TempLibrary } from '../helpers/temp-library.js';
import { libraryGeneration, startTestDatabase, type TestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const COUNT = 400;
/** At least the library's size: an HNSW search this wide on this small a graph finds the exact answer. */
const WIDEST_EF = 400;
const tempDir = useTempDirs();

interface SearchEfUse {
  ef: number;
  basis: string;
  source?: string;
}

describe('bench, recall calibration and setSearchEf on a PostgreSQL library (PGlite + pgvector over the wire)', () => {
  let db: TestDatabase;
  let folder: TempLibrary;
  let client: pg.Client;
  let cache: string;
  const url = (library: string): PgLibraryUrl => {
    const text = `${db.url}${db.url.includes('?') ? '&' : '?'}library=${library}`;
    if (!text.startsWith('postgres://')) throw new Error(`unexpected test database URL ${text}`);
    return text as PgLibraryUrl;
  };
  const env = (): NodeJS.ProcessEnv => ({ VSEARCH_PG_CACHE: cache });
  const settingsOf = async (library: string): Promise<string> => {
    const result = await client.query<{ settings: string }>(
      'SELECT index_settings::text AS settings FROM vsearch_libraries WHERE library = $1',
      [library],
    );
    return result.rows[0]?.settings ?? '';
  };
  const statsOf = async (library: string): Promise<{ index: Record<string, unknown> }> => {
    const stats = await runCliAsync(['stats', '--lib', url(library), '--json'], env());
    expect(stats.stderr).toBe('');
    expect(stats.status).toBe(0);
    return JSON.parse(stats.stdout) as { index: Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await startTestDatabase();
    cache = await tempDir();
    folder = await createTempLibrary({
      segments: syntheticSegments({ count: COUNT, dimension: DIMENSION, seed: 5 }, 10),
      importOptions: { model: 'test-model' },
      index: { kind: 'hnsw', M: 16, efConstruction: 64 },
    });
    for (const library of ['ef_lib', 'calib_lib', 'bench_lib'])
      await syncFolderToPg(folder.dir, parsePgTarget(url(library)));
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  }, 300_000);
  afterAll(async () => {
    await client?.end();
    await folder?.cleanup();
    await db?.stop();
  });

  it("setSearchEf persists in the database and another process's searches use it; a bad ef writes nothing", async () => {
    const writer: PgLibrary = await openLibrary(url('ef_lib'), { queryCacheDir: await tempDir() });
    const reader: PgLibrary = await openLibrary(url('ef_lib'), { queryCacheDir: await tempDir() });
    try {
      expect((await reader.snapshot()).efFor(['text'])).not.toBe(37);
      const before = await libraryGeneration(client, 'ef_lib');
      await writer.setSearchEf(37);
      expect(await libraryGeneration(client, 'ef_lib')).toBe((before ?? 0) + 1);
      // The reader's next search loads the new generation: every modality uses the fixed ef.
      expect((await reader.snapshot()).efFor(['text'])).toBe(37);
      expect((await reader.snapshot()).efFor(['video'])).toBe(37);

      const stats = await statsOf('ef_lib');
      const searchEf = stats.index['search_ef'] as Record<string, SearchEfUse>;
      expect(searchEf['text']).toMatchObject({ ef: 37, basis: 'fixed' });
      expect(searchEf['video']).toMatchObject({ ef: 37, basis: 'fixed' });

      const stored = await settingsOf('ef_lib');
      for (const ef of [0, 1001, 2.5]) {
        const refused = await writer.setSearchEf(ef).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(InputError);
        expect((refused as Error).message).toContain('from 1 to 1000');
      }
      expect(await settingsOf('ef_lib')).toBe(stored);
    } finally {
      await writer.close();
      await reader.close();
    }
  }, 180_000);

  it('calibrates recall on the library (exact SQL scan as the truth), stores what it measured on, and stats and query --recall use it', async () => {
    const calibrated = await runCliAsync(
      [
        'bench',
        '--lib',
        url('calib_lib'),
        '--calibrate-recall',
        '0.9',
        '--queries',
        '40',
        '--ef',
        `10,32,${WIDEST_EF}`,
      ],
      env(),
    );
    expect(calibrated.stderr).toBe('');
    expect(calibrated.status).toBe(0);
    expect(calibrated.stdout).toContain("stored in the library's row in PostgreSQL");
    expect(calibrated.stdout).toContain("the library's own vectors");
    expect(calibrated.stdout).not.toContain(PASSWORD);

    const stats = await statsOf('calib_lib');
    expect(stats.index['calibration']).toMatchObject({
      target: 0.9,
      k: 10,
      queries: 40,
      segments: COUNT,
      modalities: { video: { source: 'own', count: 40 } },
    });
    const searchEf = stats.index['search_ef'] as Record<string, SearchEfUse>;
    expect(searchEf['video']).toMatchObject({ basis: 'calibrated', source: 'own' });
    expect(searchEf['text']?.basis).toBe('default');
    const human = await runCliAsync(['stats', '--lib', url('calib_lib')], env());
    expect(human.stdout).toContain('calibrated  recall@10 >= 0.9');
    expect(human.stdout).toContain("the library's own vectors (optimistic)");

    // A search asking for a recall the stored calibration covers uses it without calibrating again.
    const vectorFile = join(await tempDir(), 'query.json');
    await writeFile(
      vectorFile,
      JSON.stringify(Array.from(syntheticQueries({ count: 1, dimension: DIMENSION, seed: 5 }))),
    );
    const query = await runCliAsync(
      ['query', '--lib', url('calib_lib'), '--vector', vectorFile, '--recall', '0.9', '--json'],
      env(),
    );
    expect(query.status).toBe(0);
    expect(query.stderr).not.toContain('calibrating');
    expect((JSON.parse(query.stdout) as { data: unknown[] }).data).toHaveLength(10);
  }, 300_000);

  it('calibrates each modality of a caller sample and says so in the stored record', async () => {
    const lib: PgLibrary = await openLibrary(url('calib_lib'), { queryCacheDir: await tempDir() });
    try {
      const flat = syntheticQueries({ count: 20, dimension: DIMENSION, seed: 9 });
      const sample = Array.from({ length: 20 }, (_, q) => ({
        modality: 'text' as const,
        vector: flat.slice(q * DIMENSION, (q + 1) * DIMENSION),
      }));
      const calibration = await lib.calibrateRecall(0.9, { sample, queries: 30, efs: [10, 64, WIDEST_EF] });
      expect(calibration.modalities.text).toMatchObject({ source: 'sample', count: 20 });
      expect(calibration.modalities.text?.recall).toBeGreaterThanOrEqual(0.9);
      expect(calibration.modalities.video).toMatchObject({ source: 'own', count: 30 });
      expect(lib.manifest.index.calibration?.modalities?.text).toMatchObject({ source: 'sample', count: 20 });
      expect((await lib.snapshot()).efFor(['text'])).toBe(calibration.modalities.text?.ef);
    } finally {
      await lib.close();
    }
  }, 300_000);

  it('benches recall and latency over an ef sweep against the exact SQL scan, in the folder bench shape', async () => {
    const bench = await runCliAsync(
      ['bench', '--lib', url('bench_lib'), '--queries', '30', '--ef', `4,32,${WIDEST_EF}`, '--json'],
      env(),
    );
    expect(bench.stderr).toBe('');
    expect(bench.status).toBe(0);
    expect(bench.stdout).not.toContain(PASSWORD);
    const report = JSON.parse(bench.stdout) as {
      data: Record<string, unknown>;
      count: number;
      queries: number;
      k: number;
      build: unknown;
      not_applicable: Record<string, string>;
      exact: { p50Us: number };
      sweep: { ef: number; recall: number; p50Us: number }[];
    };
    expect(report).toMatchObject({ count: COUNT, queries: 30, k: 10, build: null });
    expect(report.data).toMatchObject({ source: 'postgres', count: COUNT, searched_as: 'hnsw' });
    expect(String(report.data['library'])).not.toContain(PASSWORD);
    expect(report.not_applicable['build']).toContain('built by PostgreSQL');
    // ef 4 is raised to k, as a folder bench raises it.
    expect(report.sweep.map((row) => row.ef)).toEqual([10, 32, WIDEST_EF]);
    for (const row of report.sweep) {
      expect(row.recall).toBeGreaterThan(0);
      expect(row.recall).toBeLessThanOrEqual(1);
      expect(row.p50Us).toBeGreaterThan(0);
    }
    expect(report.sweep.at(-1)?.recall).toBe(1);
    expect(report.exact.p50Us).toBeGreaterThan(0);

    const human = await runCliAsync(['bench', '--lib', url('bench_lib'), '--queries', '20', '--ef', '16,64'], env());
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('video queries: 20');
    expect(human.stdout).toMatch(/ef\s+recall@10\s+p50 us/);
    expect(human.stdout).toContain('build not measured');
    expect(`${human.stdout}${human.stderr}`).not.toContain(PASSWORD);
  }, 300_000);

  it('benches each cached cross-modal modality (queries cached through the library and the CLI) beside the video queries', async () => {
    const cachedBefore = process.env.VSEARCH_PG_CACHE;
    // The library's default query cache folder is the one the CLI's bench reads (VSEARCH_PG_CACHE).
    process.env.VSEARCH_PG_CACHE = cache;
    const lib: PgLibrary = await openLibrary(url('bench_lib'));
    const texts = syntheticQueries({ count: 13, dimension: DIMENSION, seed: 21 });
    const vectorOf = (q: number): number[] => Array.from(texts.subarray(q * DIMENSION, (q + 1) * DIMENSION));
    try {
      for (let q = 0; q < 12; q++) await lib.cacheQuery({ modality: 'text', text: `cached text ${q}` }, vectorOf(q));
    } finally {
      await lib.close();
      if (cachedBefore === undefined) delete process.env.VSEARCH_PG_CACHE;
      else process.env.VSEARCH_PG_CACHE = cachedBefore;
    }
    const vectorFile = join(await tempDir(), 'q.json');
    await writeFile(vectorFile, JSON.stringify(vectorOf(12)));
    const added = await runCliAsync(
      ['cache', 'add', '--lib', url('bench_lib'), '--text', 'cached text 12', '--vector', vectorFile],
      env(),
    );
    expect(added.stderr).toContain('cached the text query');
    expect(added.status).toBe(0);

    const bench = await runCliAsync(
      ['bench', '--lib', url('bench_lib'), '--queries', '20', '--ef', `10,64,${WIDEST_EF}`, '--json'],
      env(),
    );
    expect(bench.stderr).toBe('');
    expect(bench.status).toBe(0);
    const report = JSON.parse(bench.stdout) as {
      queries: number;
      modalities: Record<
        string,
        { source: string; queries: number; exact: { p50Us: number }; sweep: { ef: number; recall: number }[] }
      >;
    };
    expect(report.queries).toBe(20);
    expect(Object.keys(report.modalities)).toEqual(['text']);
    const text = report.modalities['text'];
    expect(text).toMatchObject({ source: 'cached', queries: 13 });
    expect(text?.exact.p50Us).toBeGreaterThan(0);
    expect(text?.sweep.map((row) => row.ef)).toEqual([10, 64, WIDEST_EF]);
    for (const row of text?.sweep ?? []) {
      expect(row.recall).toBeGreaterThanOrEqual(0);
      expect(row.recall).toBeLessThanOrEqual(1);
    }
    // As wide as the library: the HNSW search finds the exact answer.
    expect(text?.sweep.at(-1)?.recall).toBe(1);

    const human = await runCliAsync(['bench', '--lib', url('bench_lib'), '--queries', '10', '--ef', '16'], env());
    expect(human.status).toBe(0);
    // --queries caps the cached queries of a modality as it caps the video queries.
    expect(human.stdout).toContain('text queries: 10 cached query embeddings');
  }, 300_000);

  it('refuses bad input with exit 2, naming the library without its password, and writes nothing', async () => {
    const before = await settingsOf('bench_lib');
    const generation = await libraryGeneration(client, 'bench_lib');
    const cases: [string[], string][] = [
      [['--ef', '0'], '--ef must be an integer'],
      [['--ef', '16,1001'], "pgvector's hnsw.ef_search limit"],
      [['--calibrate-recall', '1.5'], 'must be a number in (0, 1]'],
      [['--calibrate-recall', '0'], 'must be a number in (0, 1]'],
      [['--calibrate-recall', '0.9', '--ef', '10,2000'], 'the widest search'],
      [['--M', '32'], 'does not apply to a PostgreSQL library'],
    ];
    for (const [args, message] of cases) {
      const result = await runCliAsync(['bench', '--lib', url('bench_lib'), ...args], env());
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(message);
      expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
    }
    expect(await settingsOf('bench_lib')).toBe(before);
    expect(await libraryGeneration(client, 'bench_lib')).toBe(generation);
  }, 300_000);
});
