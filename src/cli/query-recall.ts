import { assertRecallTarget, calibrationCovers } from '../library/calibrate-recall.js';
import type { Library } from '../library/index.js';
import { info, parseNumber } from './shared-options.js';

/** Page size of recall calibration: recall@10, as a first page of hits. */
const CALIBRATION_K = 10;

/** The `--recall` flag checked, so a bad target fails before the library is opened. */
export function parseRecallTarget(text: string): number {
  const target = parseNumber('--recall', text);
  assertRecallTarget(target);
  return target;
}

/**
 * `vsearch query --recall TARGET`: searches with the ef calibrated for that recall, reusing
 * the stored calibration when it covers the target, else calibrating (and storing) first.
 */
export async function useRecallTarget(lib: Library, target: number): Promise<void> {
  const { index, counts } = lib.manifest;
  if (calibrationCovers(index.calibration, target, CALIBRATION_K, counts.segments)) return;
  info(`calibrating the search breadth for recall@${CALIBRATION_K} >= ${target} on the library's own vectors (stored for later searches)...`);
  const calibration = await lib.calibrateRecall(target, { k: CALIBRATION_K });
  info(`ef=${calibration.ef}: recall@${calibration.k} ${calibration.recall} on ${calibration.queries} of ${calibration.segments} segments`);
}
