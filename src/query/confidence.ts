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

export function confidenceOf(score: number, model: string | null): Confidence {
  const bands = (model === null ? undefined : BANDS[model]) ?? DEFAULT_BANDS;
  if (score >= bands.high) return 'high';
  if (score >= bands.medium) return 'medium';
  return 'low';
}
