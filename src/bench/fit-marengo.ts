import { fitMarengoModel, loadRealMarengo, type MarengoModel, type RealMarengo } from './marengo-fit.js';
import { marengoSpace } from './marengo-space.js';
import { realStats, textNearestMedian } from './marengo-stats.js';

export interface FittedMarengo {
  real: RealMarengo;
  model: MarengoModel;
}

/**
 * Loads the real vectors and fits the generator on them. The closed-form text weight
 * matches the cosine of a text to its own target; the real figure is the cosine to the
 * nearest of 360 videos, a little higher, so the weight is then corrected by a few secant
 * steps on simulated samples of the real sizes (the query norm held, so text-text
 * cosines stay fitted).
 */
export function fitMarengo(dataDir: string): FittedMarengo {
  const real = loadRealMarengo(dataDir);
  const model = fitMarengoModel(real);
  const wanted = realStats(real).textNearestVideo[2] as number;
  const total = model.variances.reduce((a, b) => a + b, 0) + model.residualVariance;
  const queryNorm2 = model.textTarget ** 2 * total + model.textNoise ** 2;
  const at = (weight: number): number => {
    const textNoise = Math.sqrt(Math.max(0, queryNorm2 - weight * weight * total));
    return (
      textNearestMedian(
        marengoSpace({ ...model, textTarget: weight, textNoise }, model.dimension),
        real.videoCount,
        200,
      ) - wanted
    );
  };
  let a = model.textTarget;
  let b = a * 0.8;
  let fa = at(a);
  let fb = at(b);
  for (let step = 0; step < 4 && Math.abs(fb) > 0.002 && fa !== fb; step++) {
    const next = Math.max(0, b - (fb * (b - a)) / (fb - fa));
    a = b;
    fa = fb;
    b = next;
    fb = at(b);
  }
  const textNoise = Math.sqrt(Math.max(0, queryNorm2 - b * b * total));
  return { real, model: { ...model, textTarget: b, textNoise } };
}
