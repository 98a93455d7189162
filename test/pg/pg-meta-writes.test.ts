import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { InputError } from '../../src/errors.js';
import { openLibrary } from '../../src/library/index.js';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { clientOf, useEmulator } from '../helpers/emulator.js';
import { writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { startTestDatabase, type TestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const MARENGO_30 = 512;
const MARENGO_27 = 1024;
const tempDir = useTempDirs();

/** `count` rows of `dimension`, videos named `prefix`N, five clips each. */
function rows(prefix: string, count: number, dimension: number, extra: Record<string, unknown> = {}) {
  return syntheticSegments({ count, dimension, seed: count + dimension }, 5).map((row) => ({
    ...row,
    video_id: `${prefix}${row.video_id}`,
    ...extra,
  }));
}

describe('build and import into postgres:// from code, and libraries of another model or dimension', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let emu: RunningEmulator;
  let api: TwelveLabsClient;
  let env: NodeJS.ProcessEnv;
  const cacheBefore = process.env.VSEARCH_PG_CACHE;
  const suiteEmulator = useEmulator({ apiKey: API_KEY, taskDelayMs: 100, seed: 5, scenario: testScenario() });
  beforeAll(async () => {
    db = await startTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    emu = suiteEmulator();
    api = clientOf(emu, API_KEY);
    // The media a build embeds is kept under this folder, by the CLI and from code alike.
    process.env.VSEARCH_PG_CACHE = await tempDir();
    env = {
      VSEARCH_PG_CACHE: process.env.VSEARCH_PG_CACHE,
      TWELVELABS_API_KEY: API_KEY,
      TWELVELABS_BASE_URL: emu.baseUrl,
    };
  }, 120_000);
  afterAll(async () => {
    if (cacheBefore === undefined) delete process.env.VSEARCH_PG_CACHE;
    else process.env.VSEARCH_PG_CACHE = cacheBefore;
    await client?.end();
    await db?.stop();
  });
  const url = (library: string): string => `${db.url}${db.url.includes('?') ? '&' : '?'}library=${library}`;

  /** Everything vsearch keeps of the database's libraries: what a refused write must leave as it was. */
  async function databaseState(): Promise<unknown[]> {
    const tables = [
      'SELECT library, model, dimension, generation::text, index_settings::text FROM vsearch_libraries ORDER BY library',
      'SELECT library, video_id, segments, digest, updated_at::text FROM vsearch_videos ORDER BY library, video_id',
      `SELECT library, video_id, embedding_option, start_sec, metadata::text, md5(embedding::text) AS embedding FROM vsearch_segments ORDER BY library, video_id, embedding_option, start_sec`,
    ];
    const state: unknown[] = [];
    for (const sql of tables) state.push((await client.query(sql)).rows);
    return state;
  }

  async function buildFrom(library: string, file: string, model: string): Promise<void> {
    const built = await runCliAsync(['build', '--lib', url(library), '--from', file, '--model', model], env);
    expect(built.status, built.stderr).toBe(0);
  }

  it('importSegments from code validates every file whole, writes each video once, and a rerun writes nothing', async () => {
    const work = await tempDir();
    await buildFrom('code', await writeJsonl(work, 'first.jsonl', rows('a', 20, DIMENSION)), 'test-model');
    const second = await writeJsonl(work, 'second.jsonl', rows('b', 15, DIMENSION));
    const lib = await openLibrary(url('code'));
    try {
      const imported = await lib.importSegments(second);
      expect(imported).toMatchObject({ files: 1, segments: 15, videos: 3, model: 'test-model' });
      expect(imported).toMatchObject({ written: { videos: 3, segments: 15, unchanged: 0 } });
      expect(await lib.stats()).toMatchObject({ segments: 35, videos: 7 });
      expect(lib.manifest.counts).toEqual({ segments: 35, videos: 7 });

      // The stored embeddings come back with { vectors: true }, unit length, labels in the library's key order.
      const video = await lib.getVideo('bv1', { vectors: true });
      expect(video.segments.map((segment) => segment.label)).toEqual([25, 26, 27, 28, 29]);
      for (const segment of video.segments) {
        expect(segment.vector).toHaveLength(DIMENSION);
        expect(Math.hypot(...(segment.vector ?? []))).toBeCloseTo(1, 5);
      }
      expect((await lib.getVideo('bv1')).segments[0]).not.toHaveProperty('vector');

      const state = await databaseState();
      const again = await lib.importSegments([second]);
      expect(again).toMatchObject({ segments: 15, written: { videos: 0, segments: 0, unchanged: 3 } });
      expect(await databaseState()).toEqual(state);

      // A bad row at the end of the second file: the good videos before it are not written either.
      const good = await writeJsonl(work, 'good.jsonl', rows('c', 10, DIMENSION));
      const bad = await writeJsonl(work, 'bad.jsonl', [...rows('d', 10, DIMENSION), ...rows('e', 5, DIMENSION * 2)]);
      await expect(lib.importSegments([good, bad])).rejects.toThrow(InputError);
      await expect(lib.importSegments([])).rejects.toThrow('nothing to import');
      expect(await databaseState()).toEqual(state);
    } finally {
      await lib.close();
    }
  }, 180_000);

  it('build from code embeds media through the API into the database, and a rerun pays for nothing', async () => {
    const work = await tempDir();
    await buildFrom('media', await writeJsonl(work, 'm30.jsonl', rows('seed', 5, MARENGO_30)), 'marengo3.0');
    const lib = await openLibrary(url('media'), { client: api });
    try {
      emu.reset();
      const built = await lib.build([MEDIA_SAMPLES], { clipLengthSec: 2 });
      expect(built).toMatchObject({ videos: 3, failures: [], annotations: 0, written: { videos: 3, unchanged: 0 } });
      expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBeGreaterThan(0);
      expect(await lib.stats()).toMatchObject({ videos: 4, segments: 5 + built.segments });

      emu.reset();
      const state = await databaseState();
      const rerun = await lib.build([MEDIA_SAMPLES], { clipLengthSec: 2 });
      expect(emu.stats()).toMatchObject({ sync_embeds: 0, tasks_created: 0 });
      expect(rerun).toMatchObject({ deduplicated: 3, written: { videos: 0, unchanged: 3 } });
      expect(await databaseState()).toEqual(state);
    } finally {
      await lib.close();
    }
  }, 240_000);

  it('refuses segments of another model or dimension with exit 2, naming both, and writes nothing', async () => {
    const work = await tempDir();
    await buildFrom('m30', await writeJsonl(work, 'm30-seed.jsonl', rows('m', 10, MARENGO_30)), 'marengo3.0');
    await buildFrom('small', await writeJsonl(work, 'small.jsonl', rows('s', 10, DIMENSION)), 'test-model');
    const state = await databaseState();
    const older = await writeJsonl(
      work,
      'marengo27.jsonl',
      rows('old', 10, MARENGO_27, { model_name: 'Marengo-retrieval-2.7' }),
    );
    const olderFolder = join(work, 'older-lib');
    const widerFolder = join(work, 'wider-lib');
    expect((await runCliAsync(['build', '--lib', olderFolder, '--from', older])).status).toBe(0);
    const wider = await writeJsonl(work, 'wider.jsonl', rows('w', 10, DIMENSION * 2));
    expect((await runCliAsync(['build', '--lib', widerFolder, '--from', wider, '--model', 'test-model'])).status).toBe(
      0,
    );
    const named = await writeJsonl(
      work,
      'named27.jsonl',
      rows('n', 10, MARENGO_30, { model_name: 'Marengo-retrieval-2.7' }),
    );

    const cases: [string, string[], RegExp[]][] = [
      ['2.7 segments into a 3.0 library', ['build', '--lib', url('m30'), '--from', older], [/1024/, /512/]],
      [
        'segments naming 2.7 into a 3.0 library',
        ['build', '--lib', url('m30'), '--from', named],
        [/Marengo-retrieval-2\.7/, /marengo3\.0/],
      ],
      [
        '--model 2.7 for 512-d segments',
        [
          'build',
          '--lib',
          url('m30'),
          '--from',
          named.replace('named27', 'm30-seed'),
          '--model',
          'Marengo-retrieval-2.7',
        ],
        [/Marengo-retrieval-2\.7/, /marengo3\.0/],
      ],
      [
        'media embedded as 2.7 into a 3.0 library',
        ['build', MEDIA_SAMPLES, '--lib', url('m30'), '--model', 'Marengo-retrieval-2.7', '--clip-length', '2'],
        [/Marengo-retrieval-2\.7/, /marengo3\.0/],
      ],
      [
        'sync of a 2.7 folder into a 3.0 library',
        ['sync', '--from', olderFolder, '--to', url('m30')],
        [/Marengo-retrieval-2\.7/, /marengo3\.0/],
      ],
      [
        'sync of a 32-d folder into a 16-d library',
        ['sync', '--from', widerFolder, '--to', url('small')],
        [/32-d/, /16-d/],
      ],
      ['32-d segments into a 16-d library', ['build', '--lib', url('small'), '--from', wider], [/32/, /16/]],
    ];
    emu.reset();
    for (const [what, args, words] of cases) {
      const refused = await runCliAsync(args, env);
      expect(refused.status, `${what}: ${refused.stderr}`).toBe(2);
      for (const word of words) expect(refused.stderr, what).toMatch(word);
      expect(`${refused.stdout}${refused.stderr}`, what).not.toContain(PASSWORD);
      expect(await databaseState(), what).toEqual(state);
    }
    // Refused before anything was sent: no media was paid for.
    expect(emu.stats()).toMatchObject({ sync_embeds: 0, tasks_created: 0 });
  }, 300_000);
});
