import { StoreError } from '../errors.js';
import { assertPgSearchEf, updatePgIndexSettings } from '../pg/pg-search-settings.js';
import type { PgSearchStorage } from '../pg/pg-search-storage.js';
import { cachedCalibrationQueries } from './cached-queries.js';
import {
  assertRecallTarget,
  type CalibrateRecallOptions,
  calibrateRecall,
  calibrationRecord,
  type RecallCalibration,
} from './calibrate-recall.js';
import { pgRecallProbe } from './pg-recall-probe.js';

/** How many times a calibration measures when the library changes before its result is stored. */
const MEASUREMENTS = 2;

/**
 * Calibrates a PostgreSQL library as a folder's (calibrateRecall, on the local query cache's
 * cross-modal queries, a sample or the library's own vectors) and stores the chosen efs with
 * what they were measured on in the database: every process's next search uses them. They are
 * stored only if the library is still at the generation measured (checked with its row locked,
 * in the storing transaction); a write in between (another process's import) means measuring
 * again, once, and a StoreError with nothing stored if it changes again.
 */
export async function calibratePgLibrary(
  storage: PgSearchStorage,
  target: number,
  options: CalibrateRecallOptions,
  onWarning: ((message: string) => void) | undefined,
): Promise<RecallCalibration> {
  assertRecallTarget(target);
  // Loads the newest generation, so an empty library is refused before the cache is read.
  let { probe, generation } = await pgRecallProbe(storage);
  const { model, dimension } = storage.manifest;
  const cache =
    options.cached === undefined
      ? await cachedCalibrationQueries(storage.queryCache, model, dimension)
      : { queries: options.cached, unreadable: [] };
  for (const file of cache.unreadable)
    onWarning?.(`the cached query ${file} could not be read; calibration leaves it out`);
  for (let measurement = 1; ; measurement++) {
    const calibration = await calibrateRecall(probe, target, { ...options, cached: cache.queries });
    const record = calibrationRecord(calibration, new Date().toISOString());
    const stored = await storage.withClient('storing the recall calibration of', (client) =>
      updatePgIndexSettings(
        client,
        storage.target,
        ({ efFixed: _fixed, ...settings }) => ({ ...settings, ef: calibration.ef, calibration: record }),
        generation,
      ),
    );
    if (stored !== undefined) {
      await storage.snapshot();
      return calibration;
    }
    if (measurement === MEASUREMENTS)
      throw new StoreError(
        `the library ${storage.target.shown} changed while its recall was being measured, ${MEASUREMENTS} times (another process writes to it); nothing was stored: calibrate again when the writes are done`,
      );
    onWarning?.(
      `the library ${storage.target.shown} changed while its recall was being measured; measuring the new generation again`,
    );
    ({ probe, generation } = await pgRecallProbe(storage));
  }
}

/** Fixes the ef of every later search of the library, in any process; clears its recall calibration. */
export async function setPgSearchEf(storage: PgSearchStorage, ef: number): Promise<void> {
  assertPgSearchEf(ef);
  await storage.withClient('setting the search ef of', (client) =>
    updatePgIndexSettings(client, storage.target, ({ calibration: _dropped, ...settings }) => ({
      ...settings,
      ef,
      efFixed: true,
    })),
  );
  await storage.snapshot();
}
