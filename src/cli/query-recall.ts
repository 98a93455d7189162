import {
  assertRecallTarget,
  calibrationCovers,
  calibrationCurrent,
  MIN_CACHED_QUERIES,
} from '../library/calibrate-recall.js';
import type { Library } from '../library/index.js';
import { kindFor } from '../library/index-sync.js';
import { queryInputsOf, type SearchRequest } from '../query/stages/prepare.js';
import { isCrossModal, type QueryModality, searchEf } from '../store/search-ef.js';
import { info, parseNumber } from './shared-options.js';

/** Page size of recall calibration: recall@10, as a first page of hits. */
const CALIBRATION_K = 10;

/** The `--recall` flag checked, so a bad target fails before the library is opened. */
export function parseRecallTarget(text: string): number {
  const target = parseNumber('--recall', text);
  assertRecallTarget(target);
  return target;
}

/** The modalities of a request's queries: vector and `like` count as video (in distribution). */
function requestModalities(request: SearchRequest): QueryModality[] {
  const embedded = queryInputsOf(request).map((input) => input.modality);
  return [...(request.vector !== undefined || request.like !== undefined ? ['video' as const] : []), ...embedded];
}

/**
 * `vsearch query --recall TARGET`: searches with the ef calibrated for that recall and the
 * query's modality, reusing the stored calibration when it covers both, else calibrating
 * (and storing) first. A library searched exactly meets any target as it is. A cross-modal
 * query that has nothing of its modality to be measured on is told so: its search uses the
 * default for its modality, and no recall is claimed for it.
 */
export async function useRecallTarget(lib: Library, target: number, request: SearchRequest): Promise<void> {
  if (kindFor(lib.manifest) === 'exact') return;
  const modalities = requestModalities(request);
  const { counts } = lib.manifest;
  const covered = (): boolean =>
    modalities.every((modality) =>
      calibrationCovers(lib.manifest.index.calibration, target, CALIBRATION_K, counts.segments, modality),
    );
  if (covered()) return;
  if (!calibrationCurrent(lib.manifest.index.calibration, target, CALIBRATION_K, counts.segments)) {
    info(
      `calibrating the search breadth for recall@${CALIBRATION_K} >= ${target} per query modality (stored for later searches)...`,
    );
    const calibration = await lib.calibrateRecall(target, { k: CALIBRATION_K });
    for (const [modality, result] of Object.entries(calibration.modalities)) {
      const source = result.source === 'own' ? "of the library's own vectors (optimistic)" : `${result.source} queries`;
      info(
        `${modality} queries: ef=${result.ef}, recall@${calibration.k} ${result.recall} on ${result.count} ${source}`,
      );
    }
    if (covered()) return;
  }
  for (const modality of modalities.filter(
    (m) =>
      isCrossModal(m) && !calibrationCovers(lib.manifest.index.calibration, target, CALIBRATION_K, counts.segments, m),
  )) {
    info(
      `recall for ${modality} queries is not measured: the query cache holds fewer than ${MIN_CACHED_QUERIES} ${modality} queries and no sample was given ` +
        `(\`vsearch bench --lib DIR --calibrate-recall ${target} --queries FILE\`); searching with ef=${searchEf(lib.manifest.index, counts.segments, modality)}, the default for ${modality} queries, without a recall claim`,
    );
  }
}
