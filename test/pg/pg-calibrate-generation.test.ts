import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openLibrary } from '../../src/library/index.js';
import { PgSearchStorage } from '../../src/pg/pg-search-storage.js';
import { clipSegments, writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useConnectedTestDatabase } from './pg-server.js';

const DIMENSION = 16;
const COUNT = 100;
const CLIPS = 5;
const STORING = 'storing the recall calibration of';
const tempDir = useTempDirs();

interface StoredCalibration {
  segments: number;
}

describe('a PostgreSQL calibration stores only what it measured: a write between measuring and storing', () => {
  const { client, url } = useConnectedTestDatabase();
  const withClient = PgSearchStorage.prototype.withClient;
  let work: string;

  beforeAll(async () => {
    work = await tempDir();
    const file = await writeJsonl(
      work,
      'segments.jsonl',
      syntheticSegments({ count: COUNT, dimension: DIMENSION, seed: 11 }, CLIPS),
    );
    for (const library of ['measured_again', 'kept_changing']) {
      const lib = await openLibrary(url(library), {
        create: true,
        index: { kind: 'hnsw' },
        queryCacheDir: await tempDir(),
      });
      await lib.importSegments(file, { model: 'test-model' });
      await lib.close();
    }
  }, 180_000);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function storedCalibration(library: string): Promise<StoredCalibration | undefined> {
    const found = await client().query<{ calibration: StoredCalibration | null }>(
      "SELECT index_settings -> 'calibration' AS calibration FROM vsearch_libraries WHERE library = $1",
      [library],
    );
    return found.rows[0]?.calibration ?? undefined;
  }

  /**
   * Before each of the first `times` stores of a calibration, another library instance (its own
   * pool: other connections) imports one more video, as a concurrent builder would.
   */
  async function writeBeforeStoring(library: string, times: number): Promise<{ writes: () => number }> {
    const writer = await openLibrary(url(library), { queryCacheDir: await tempDir() });
    let writes = 0;
    vi.spyOn(PgSearchStorage.prototype, 'withClient').mockImplementation(async function (
      this: PgSearchStorage,
      doing,
      work,
    ) {
      if (doing === STORING && writes < times) {
        writes++;
        const file = await writeJsonl(
          await tempDir(),
          'late.jsonl',
          clipSegments(`late${writes}`, CLIPS, DIMENSION, 900 + writes),
        );
        await writer.importSegments(file, { model: 'test-model' });
        if (writes === times) await writer.close();
      }
      return withClient.call(this, doing, work);
    });
    return { writes: () => writes };
  }

  it('measures the new generation again and stores that, when one write came in between', async () => {
    const warnings: string[] = [];
    const lib = await openLibrary(url('measured_again'), {
      queryCacheDir: await tempDir(),
      onWarning: (message) => warnings.push(message),
    });
    try {
      const { writes } = await writeBeforeStoring('measured_again', 1);
      const calibration = await lib.calibrateRecall(0.9, { queries: 30, efs: [10, 64, 200] });
      expect(writes()).toBe(1);
      // What it returns and what it stored describe the library with the late video in it.
      expect(calibration.segments).toBe(COUNT + CLIPS);
      expect(await storedCalibration('measured_again')).toMatchObject({ segments: COUNT + CLIPS });
      expect((await lib.stats()).segments).toBe(COUNT + CLIPS);
      expect(lib.manifest.index.calibration).toMatchObject({ segments: COUNT + CLIPS });
      expect(warnings).toEqual([expect.stringContaining('measuring the new generation again')]);
    } finally {
      await lib.close();
    }
  }, 180_000);

  it('stores nothing and says why when the library changes again before the second store', async () => {
    const warnings: string[] = [];
    const lib = await openLibrary(url('kept_changing'), {
      queryCacheDir: await tempDir(),
      onWarning: (message) => warnings.push(message),
    });
    try {
      await writeBeforeStoring('kept_changing', 2);
      const refused = await lib
        .calibrateRecall(0.9, { queries: 30, efs: [10, 64, 200] })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StoreError);
      expect((refused as Error).message).toMatch(/changed while its recall was being measured, 2 times/);
      expect((refused as Error).message).toContain('nothing was stored');
      expect(warnings).toEqual([expect.stringContaining('measuring the new generation again')]);
      expect(await storedCalibration('kept_changing')).toBeUndefined();
      expect((await lib.stats()).segments).toBe(COUNT + 2 * CLIPS);
    } finally {
      await lib.close();
    }
  }, 180_000);
});
