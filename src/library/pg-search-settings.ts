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

/**
 * Calibrates a PostgreSQL library as a folder's (calibrateRecall, on the local query cache's
 * cross-modal queries, a sample or the library's own vectors) and stores the chosen efs with
 * what they were measured on in the database: every process's next search uses them.
 */
export async function calibratePgLibrary(
  storage: PgSearchStorage,
  target: number,
  options: CalibrateRecallOptions,
  onWarning: ((message: string) => void) | undefined,
): Promise<RecallCalibration> {
  assertRecallTarget(target);
  const probe = await pgRecallProbe(storage);
  const { model, dimension } = storage.manifest;
  const cache =
    options.cached === undefined
      ? await cachedCalibrationQueries(storage.queryCache, model, dimension)
      : { queries: options.cached, unreadable: [] };
  for (const file of cache.unreadable)
    onWarning?.(`the cached query ${file} could not be read; calibration leaves it out`);
  const calibration = await calibrateRecall(probe, target, { ...options, cached: cache.queries });
  const record = calibrationRecord(calibration, new Date().toISOString());
  await storage.withClient('storing the recall calibration of', (client) =>
    updatePgIndexSettings(client, storage.target, ({ efFixed: _fixed, ...settings }) => ({
      ...settings,
      ef: calibration.ef,
      calibration: record,
    })),
  );
  await storage.snapshot();
  return calibration;
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
