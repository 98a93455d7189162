import {
  assertRecallTarget,
  type CalibrationQuery,
  MIN_CACHED_QUERIES,
  type RecallCalibration,
} from '../library/calibrate-recall.js';
import { openLibrary } from '../library/index.js';
import { isPgUrl } from '../pg/target.js';
import { info, printJson } from './shared-options.js';

export interface CalibrationFlags {
  k: number;
  queries: number | undefined;
  sample: readonly CalibrationQuery[] | undefined;
  efs: readonly number[] | undefined;
  seed: number;
  json: boolean;
}

/** `vsearch bench --lib DIR --calibrate-recall TARGET [--queries FILE]`: measures per modality, stores the chosen efs, reports. */
export async function runCalibration(dir: string, target: number, flags: CalibrationFlags): Promise<void> {
  assertRecallTarget(target);
  const lib = await openLibrary(dir, { onWarning: info });
  try {
    const calibration = await lib.calibrateRecall(target, {
      k: flags.k,
      queries: flags.queries,
      sample: flags.sample,
      efs: flags.efs,
      seed: flags.seed,
    });
    // lib.dir: a PostgreSQL URL without its password.
    if (flags.json)
      printJson({
        library: lib.dir,
        stored: { ef: calibration.ef, modalities: lib.manifest.index.calibration?.modalities ?? {} },
        ...calibration,
      });
    else process.stdout.write(formatCalibration(lib.dir, isPgUrl(dir), calibration));
  } finally {
    await lib.close();
  }
}

const SOURCES = {
  cached: 'cached query embeddings',
  sample: 'queries of your sample',
  own: "the library's own vectors (their own rows left out; optimistic for fresh queries)",
} as const;

function formatCalibration(dir: string, inPostgres: boolean, calibration: RecallCalibration): string {
  const { target, ef, recall, k, queries, segments, sweep } = calibration;
  const lines = [
    calibration.modalities.video?.source === 'own'
      ? `ef=${ef} meets recall@${k} >= ${target}: measured ${recall.toFixed(4)} on ${queries} of the library's ${segments} vectors (their own rows left out)`
      : `ef=${ef} meets recall@${k} >= ${target} for video queries: measured ${recall.toFixed(4)} on ${queries} ${SOURCES[calibration.modalities.video?.source ?? 'own']}, library of ${segments} vectors`,
    ...Object.entries(calibration.modalities).map(
      ([modality, result]) =>
        `  ${`${modality} queries`.padEnd(15)} ef=${result.ef}: recall@${k} ${result.recall.toFixed(4)} on ${result.count} ${SOURCES[result.source]}`,
    ),
    ...Object.entries(calibration.unreached).map(
      ([modality, result]) =>
        `  ${`${modality} queries`.padEnd(15)} not reached: the best was ${result.recall.toFixed(4)} at ef=${result.ef} on ${result.count} ${SOURCES[result.source]}; their searches keep the default, without a recall claim`,
    ),
    ...calibration.unmeasured.map(
      (modality) =>
        `  ${`${modality} queries`.padEnd(15)} not measured: ${calibration.cachedCounts[modality] ?? 0} cached (${MIN_CACHED_QUERIES} needed) and none in a sample; their searches keep the default, without a recall claim`,
    ),
    `stored in ${inPostgres ? `the library's row in PostgreSQL (${dir})` : `${dir}/manifest.json`}: later searches use the ef of their query's modality`,
    '',
    'video (in-distribution) sweep:',
    `${'ef'.padStart(6)}  ${`recall@${k}`.padStart(10)}  ${'mean us'.padStart(10)}`,
    ...sweep.map(
      (point) =>
        `${String(point.ef).padStart(6)}  ${point.recall.toFixed(4).padStart(10)}  ${point.meanUs.toFixed(0).padStart(10)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
