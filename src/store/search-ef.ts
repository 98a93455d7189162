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
 * The default ef with no calibration: grows with the logarithm of the library's size, and a
 * cross-modal query gets eight times a clip query's. Picked from the curves measured on the
 * cross-modal generator (bench/xmodal.mjs, README "Benchmarks"): on 20k x 1024, text-like
 * queries needed ef 384-512 for recall@10 0.95 where clip-like ones needed about 96.
 */
export function defaultSearchEf(segments: number, modality: QueryModality): number {
  const growth = 1 + Math.max(0, Math.log10(Math.max(segments, 1) / 20_000));
  const base = isCrossModal(modality) ? CROSS_MODAL_BASE_EF : IN_DISTRIBUTION_BASE_EF;
  return Math.min(MAX_DEFAULT_EF, Math.round(base * growth));
}

const IN_DISTRIBUTION_BASE_EF = 64;
const CROSS_MODAL_BASE_EF = 512;
const MAX_DEFAULT_EF = 4096;

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
  return Math.max(...(modalities.length === 0 ? ['video' as const] : modalities).map((modality) => searchEf(settings, segments, modality)));
}
