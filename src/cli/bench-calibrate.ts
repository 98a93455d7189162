import { assertRecallTarget, type RecallCalibration } from '../library/calibrate-recall.js';
import { openLibrary } from '../library/index.js';
import { info, printJson } from './shared-options.js';

export interface CalibrationFlags {
  k: number;
  queries: number | undefined;
  efs: readonly number[] | undefined;
  seed: number;
  json: boolean;
}

/** `vsearch bench --lib DIR --calibrate-recall TARGET`: measures, stores the chosen ef, reports. */
export async function runCalibration(dir: string, target: number, flags: CalibrationFlags): Promise<void> {
  assertRecallTarget(target);
  const lib = await openLibrary(dir, { onWarning: info });
  try {
    const calibration = await lib.calibrateRecall(target, { k: flags.k, queries: flags.queries, efs: flags.efs, seed: flags.seed });
    if (flags.json) printJson({ library: dir, stored: { ef: calibration.ef }, ...calibration });
    else process.stdout.write(formatCalibration(dir, calibration));
  } finally {
    await lib.close();
  }
}

function formatCalibration(dir: string, calibration: RecallCalibration): string {
  const { target, ef, recall, k, queries, segments, sweep } = calibration;
  const lines = [
    `ef=${ef} meets recall@${k} >= ${target}: measured ${recall.toFixed(4)} on ${queries} of the library's ${segments} vectors (their own rows left out)`,
    `stored in ${dir}/manifest.json: later searches use ef=${ef}`,
    '',
    `${'ef'.padStart(6)}  ${`recall@${k}`.padStart(10)}  ${'mean us'.padStart(10)}`,
    ...sweep.map((point) => `${String(point.ef).padStart(6)}  ${point.recall.toFixed(4).padStart(10)}  ${point.meanUs.toFixed(0).padStart(10)}`),
  ];
  return `${lines.join('\n')}\n`;
}
