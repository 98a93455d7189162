import { beforeAll, describe, expect, it } from 'vitest';
import { type FittedMarengo, fitMarengo } from '../../src/bench/fit-marengo.js';
import { marengoSpace } from '../../src/bench/marengo-space.js';
import { generatedStats, type MarengoStats, realStats } from '../../src/bench/marengo-stats.js';
import { generateXmodalSet } from '../../src/bench/xmodal-generator.js';
import { HAS_SHARED_DATA, SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';

sharedDataNote('the cross-modal generator fitted on real Marengo 2.7 vectors');

/**
 * The tolerances the generator claims (README "Benchmarks"): how far each generated
 * statistic, on a sample of the real sizes, may sit from the real one.
 */
const TOLERANCE = {
  meanNorm: 0.02,
  /** Share of variance explained by the top components (a residual spread evenly explains a little less of itself). */
  explained: 0.07,
  /** Cosine quantiles p25, p50, p75; p05 and p95 (a sample of 10 texts or 8 Shorts videos is noisy) get twice this. */
  cosine: 0.04,
} as const;

function expectClose(real: MarengoStats, generated: MarengoStats): void {
  expect(Math.abs(generated.meanNorm - real.meanNorm)).toBeLessThanOrEqual(TOLERANCE.meanNorm);
  for (const key of ['top1', 'top4', 'top16', 'top32'] as const)
    expect(Math.abs(generated.explained[key] - real.explained[key]), key).toBeLessThanOrEqual(TOLERANCE.explained);
  for (const key of ['videoVideo', 'textNearestVideo', 'clipSameVideo'] as const) {
    generated[key].forEach((value, q) => {
      const limit = q === 0 || q === 4 ? 2 * TOLERANCE.cosine : TOLERANCE.cosine;
      expect(Math.abs(value - (real[key][q] as number)), `${key} quantile ${q}`).toBeLessThanOrEqual(limit);
    });
  }
  // Text-text: only the median (real category names spread wider than isotropic text noise).
  expect(Math.abs((generated.textText[2] as number) - (real.textText[2] as number))).toBeLessThanOrEqual(
    TOLERANCE.cosine,
  );
}

describe.skipIf(!HAS_SHARED_DATA)('the cross-modal generator', () => {
  let fitted: FittedMarengo;
  beforeAll(() => {
    fitted = fitMarengo(SHARED_DATA);
  }, 120_000);

  it.each([1024, 512])(
    'reproduces the real statistics at %i dimensions within the stated tolerances',
    (dimension) => {
      const real = realStats(fitted.real);
      const generated = generatedStats(marengoSpace(fitted.model, dimension), {
        videoCount: fitted.real.videoCount,
        textCount: 200,
        clipVideoCount: 40,
        clipsPerVideo: 6,
      });
      expectClose(real, generated);
    },
    120_000,
  );

  it('places text-like queries across the modality gap: about 0.3 cosine to the clips of their target video, where clip queries find neighbours above 0.6', () => {
    const set = generateXmodalSet(marengoSpace(fitted.model, 256), {
      count: 3000,
      seed: 5,
      textQueries: 50,
      clipQueries: 50,
    });
    const d = set.dimension;
    const bestInTarget = (query: Float32Array, q: number, video: number): number => {
      let best = -1;
      for (let row = 0; row < set.count; row++) {
        if (set.videoOf[row] !== video) continue;
        let dot = 0;
        for (let x = 0; x < d; x++) dot += (query[q * d + x] as number) * (set.vectors[row * d + x] as number);
        best = Math.max(best, dot);
      }
      return best;
    };
    const textCosines = Array.from(set.textTargets, (video, q) => bestInTarget(set.textQueries, q, video));
    // The best of a target's clips: above the 0.2-0.38 of real texts to per-video means, as the best of many clips is.
    for (const cosine of textCosines) {
      expect(cosine).toBeGreaterThan(0.15);
      expect(cosine).toBeLessThan(0.5);
    }
    const sorted = [...textCosines].sort((a, b) => a - b);
    expect(sorted[25]).toBeGreaterThan(0.28);
    expect(sorted[25]).toBeLessThan(0.4);
    const clipCosines = Array.from({ length: 50 }, (_, q) => {
      let best = -1;
      for (let row = 0; row < set.count; row++) {
        let dot = 0;
        for (let x = 0; x < d; x++)
          dot += (set.clipQueries[q * d + x] as number) * (set.vectors[row * d + x] as number);
        best = Math.max(best, dot);
      }
      return best;
    });
    expect(Math.min(...clipCosines)).toBeGreaterThan(0.6);
    // Same seed, same set.
    const again = generateXmodalSet(marengoSpace(fitted.model, 256), {
      count: 3000,
      seed: 5,
      textQueries: 50,
      clipQueries: 50,
    });
    expect(again.vectors).toEqual(set.vectors);
    expect(again.textQueries).toEqual(set.textQueries);
  }, 120_000);
});
