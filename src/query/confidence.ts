export type Confidence = 'high' | 'medium' | 'low';

interface ConfidenceBands {
  high: number;
  medium: number;
}

/**
 * Cosine score to the search API's confidence label. Marengo 2.7's bands come from the
 * real vectors in ../shared/data: a matching text query scores 0.34-0.37 against its
 * clip and 0.10-0.12 against unrelated clips; image queries 0.60 vs 0.40. Marengo 3.x
 * uses the same bands until real 3.x result lists say otherwise.
 */
const BANDS: Readonly<Record<string, ConfidenceBands>> = {
  'Marengo-retrieval-2.7': { high: 0.3, medium: 0.15 },
  'marengo3.0': { high: 0.3, medium: 0.15 },
  'marengo3.5': { high: 0.3, medium: 0.15 },
};
const DEFAULT_BANDS: ConfidenceBands = { high: 0.3, medium: 0.15 };

function bandsOf(model: string | null): ConfidenceBands {
  return (model === null ? undefined : BANDS[model]) ?? DEFAULT_BANDS;
}

export function confidenceOf(score: number, model: string | null): Confidence {
  const bands = bandsOf(model);
  if (score >= bands.high) return 'high';
  if (score >= bands.medium) return 'medium';
  return 'low';
}

/** The search API's `threshold`: the lowest confidence a hit may have; `none` keeps every hit. */
export const THRESHOLDS = ['high', 'medium', 'low', 'none'] as const;
export type Threshold = (typeof THRESHOLDS)[number];

/**
 * The lowest score a hit may have under `threshold`: high keeps high, medium keeps medium
 * and high. Every score is at least low, so low and none set no floor.
 */
export function thresholdFloor(threshold: Threshold, model: string | null): number | undefined {
  const bands = bandsOf(model);
  if (threshold === 'high') return bands.high;
  if (threshold === 'medium') return bands.medium;
  return undefined;
}
