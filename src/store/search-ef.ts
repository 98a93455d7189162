/** The search breadth (ef) a search uses, by library size and the modality of its query. */
import type { IndexSettings } from './manifest.js';

/** What a query was embedded from; vector and segment (`like`) queries count as `video` (in distribution). */
export type QueryModality = 'text' | 'image' | 'audio' | 'video';
export const QUERY_MODALITIES: readonly QueryModality[] = ['text', 'image', 'audio', 'video'];

/** Text, image and audio queries cross the modality gap to video clips: out of the indexed distribution. */
export function isCrossModal(modality: QueryModality): boolean {
  return modality !== 'video';
}

/**
 * The default ef with no calibration. A clip query's grows with the logarithm of the library's
 * size. A cross-modal query's grows with a power of it: on the cross-modal generator
 * (bench/xmodal.mjs, README "Benchmarks"; efConstruction 100) text-like queries needed ef 512 for
 * recall@10 0.95 at 20k, 1024-1066 at 50k and about 3000 at 200k, where clip-like ones needed
 * about 96-192; the base is a quarter above those, for a margin. Past 200k segments the power
 * steepens (size^0.8 x (size/10)^0.2), as measured at 1M. Shifting the query across the modality gap, seeding a second search from the first
 * one's hits and a denser graph were measured against this and did not pay
 * (bench/results/xmodal-candidates.md).
 */
export function defaultSearchEf(segments: number, modality: QueryModality): number {
  const size = Math.max(segments, 1) / 20_000;
  if (isCrossModal(modality)) {
    const grown =
      Math.max(1, size) ** CROSS_MODAL_GROWTH * Math.max(1, size / STEEPER_FROM) ** CROSS_MODAL_EXTRA_GROWTH;
    return Math.min(MAX_CROSS_MODAL_EF, Math.round(CROSS_MODAL_BASE_EF * grown));
  }
  return Math.min(MAX_DEFAULT_EF, Math.round(IN_DISTRIBUTION_BASE_EF * (1 + Math.max(0, Math.log10(size)))));
}

const IN_DISTRIBUTION_BASE_EF = 64;
const MAX_DEFAULT_EF = 4096;
const CROSS_MODAL_BASE_EF = 640;
/** ef for recall@10 0.95 grew about as size^0.76-0.79 between 20k, 50k and 200k segments. */
const CROSS_MODAL_GROWTH = 0.8;
/**
 * Past 200k segments (size 10) the power steepens by this much: at 1M x 512 size^0.8 alone gave
 * ef 14634 and text-like recall@10 0.9485 on one build (bench/results/scale-1m-512-run2.json), where the
 * sweep on that graph gave 0.9545 at 16384 and 0.9805 at 24576; with the steeper power (20191) another
 * build gave 0.97 (bench/results/scale-1m-512-run3.md) and another 0.981 (scale-1m-512.md, run 4).
 */
const STEEPER_FROM = 10;
const CROSS_MODAL_EXTRA_GROWTH = 0.2;
/** Reached near 1.6M segments: one search there takes about 0.1 s on 2 cores. */
const MAX_CROSS_MODAL_EF = 32_768;

/**
 * The ef a search of `modality` uses: the caller's fixed ef; else the ef calibrated for that
 * modality; else the default for the library's size, never below an ef calibrated on
 * in-distribution queries (a cross-modal query needs at least as wide a search).
 */
export function searchEf(settings: IndexSettings, segments: number, modality: QueryModality): number {
  if (settings.efFixed === true) return settings.ef;
  const calibration = settings.calibration;
  const measured = calibration?.modalities?.[modality];
  if (measured !== undefined) return measured.ef;
  const fallback = defaultSearchEf(segments, modality);
  if (calibration === undefined) return fallback;
  // Records before per-modality calibration measured own vectors: `ef` is their answer.
  const inDistribution = calibration.modalities?.video?.ef ?? settings.ef;
  return isCrossModal(modality) ? Math.max(fallback, inDistribution) : inDistribution;
}

/** The ef of a search whose queries have these modalities: the widest any of them needs. */
export function searchEfOf(settings: IndexSettings, segments: number, modalities: readonly QueryModality[]): number {
  return Math.max(
    ...(modalities.length === 0 ? ['video' as const] : modalities).map((modality) =>
      searchEf(settings, segments, modality),
    ),
  );
}
