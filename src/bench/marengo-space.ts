import { seededGaussian } from '../random/gaussian.js';
import type { MarengoModel } from './marengo-fit.js';
import { orthonormalize } from './top-components.js';

/** A fitted model carried into a dimension: every inner product of its directions kept. */
export interface MarengoSpace {
  dimension: number;
  videoMean: Float64Array;
  /** K unit directions, row-major K x dimension. */
  components: Float64Array;
  /** Standard deviation along each component. */
  deviations: Float64Array;
  /** Standard deviation of the residual per coordinate. */
  residualDeviation: number;
  textMean: Float64Array;
  clipNoise: number;
  textTarget: number;
  textNoise: number;
}

/**
 * The model in `dimension` dimensions. In the model's own dimension its real directions are
 * used; in another one, the model's mean, components and text mean are written in an
 * orthonormal frame of their span and that frame is laid along seeded random orthonormal
 * directions of the new space, so all their norms and inner products (the cosines the
 * benchmark depends on) are kept exactly; the residual spreads evenly over the new space.
 */
export function marengoSpace(model: MarengoModel, dimension: number, seed = 1): MarengoSpace {
  const k = model.variances.length;
  const deviations = Float64Array.from(model.variances, (v) => Math.sqrt(Math.max(0, v)));
  const residualDeviation = Math.sqrt(model.residualVariance / model.dimension);
  const base = {
    deviations,
    residualDeviation,
    clipNoise: model.clipNoise,
    textTarget: model.textTarget,
    textNoise: model.textNoise,
  };
  if (dimension === model.dimension)
    return { dimension, videoMean: model.videoMean, components: model.components, textMean: model.textMean, ...base };
  const frameSize = k + 2;
  if (dimension < frameSize)
    throw new RangeError(`the generator needs at least ${frameSize} dimensions, got ${dimension}`);
  const d0 = model.dimension;
  // An orthonormal frame of span(videoMean, components, textMean) in the model's space.
  const frame = new Float64Array(frameSize * d0);
  frame.set(model.videoMean, 0);
  frame.set(model.components, d0);
  frame.set(model.textMean, (k + 1) * d0);
  orthonormalize(frame, frameSize, d0);
  const target = new Float64Array(frameSize * dimension);
  const gauss = seededGaussian(seed);
  for (let i = 0; i < target.length; i++) target[i] = gauss();
  orthonormalize(target, frameSize, dimension);
  const carry = (vector: Float64Array, offset = 0): Float64Array => {
    const out = new Float64Array(dimension);
    for (let f = 0; f < frameSize; f++) {
      let coordinate = 0;
      for (let x = 0; x < d0; x++) coordinate += (frame[f * d0 + x] as number) * (vector[offset + x] as number);
      for (let x = 0; x < dimension; x++)
        out[x] = (out[x] as number) + coordinate * (target[f * dimension + x] as number);
    }
    return out;
  };
  const components = new Float64Array(k * dimension);
  for (let c = 0; c < k; c++) components.set(carry(model.components, c * d0), c * dimension);
  return {
    dimension,
    videoMean: carry(model.videoMean),
    components,
    textMean: carry(model.textMean),
    ...base,
    residualDeviation: Math.sqrt(model.residualVariance / dimension),
  };
}
