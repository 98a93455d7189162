import { seededGaussian } from '../random/gaussian.js';
import { mulberry32 } from '../random/seeded-random.js';
import { writeUnit } from '../vector/normalize.js';
import type { MarengoSpace } from './marengo-space.js';

export interface XmodalSetOptions {
  count: number;
  seed: number;
  textQueries: number;
  clipQueries: number;
  /** Clips per video, drawn uniformly from [min, max] (default 4-36: a few minutes of 6 s clips). */
  clipsPerVideo?: readonly [number, number];
}

/** A library of clip vectors and two kinds of queries, all unit vectors, flat row-major. */
export interface XmodalSet {
  dimension: number;
  count: number;
  vectors: Float32Array;
  /** The video of each library row. */
  videoOf: Uint32Array;
  videos: number;
  /** Text-like queries: out of distribution, about 0.2-0.38 cosine to their target video's clips. */
  textQueries: Float32Array;
  /** The video each text query was written for. */
  textTargets: Uint32Array;
  /** Clip-like queries: fresh clips of library videos (in distribution, not in the library). */
  clipQueries: Float32Array;
}

const DEFAULT_CLIPS: readonly [number, number] = [4, 36];

/**
 * Draws a cross-modal set from a fitted space: each video is a point of the fitted video
 * distribution (mean + components + residual), its clips are that point plus clip noise;
 * a text query is the text mean plus a share of its target video's offset from the video
 * mean plus its own noise, so it sits across the modality gap as real text queries do.
 * Same options and seed, same set.
 */
export function generateXmodalSet(space: MarengoSpace, options: XmodalSetOptions): XmodalSet {
  const { count, seed } = options;
  const [minClips, maxClips] = options.clipsPerVideo ?? DEFAULT_CLIPS;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(minClips) || minClips < 1 || maxClips < minClips)
    throw new RangeError(`clips per video must be a range of positive integers, got ${minClips}-${maxClips}`);
  const d = space.dimension;
  const pick = mulberry32(seed ^ 0x5bd1e995);
  const videoSizes: number[] = [];
  for (let total = 0; total < count; ) {
    const size = Math.min(count - total, minClips + Math.floor(pick() * (maxClips - minClips + 1)));
    videoSizes.push(size);
    total += size;
  }
  const videos = videoSizes.length;
  const textTargets = Uint32Array.from({ length: options.textQueries }, () => Math.floor(pick() * videos));
  const clipTargets = Uint32Array.from({ length: options.clipQueries }, () => Math.floor(pick() * videos));
  const wanted = new Map<number, Float64Array | undefined>();
  for (const v of [...textTargets, ...clipTargets]) wanted.set(v, undefined);

  const pointNoise = seededGaussian(seed ^ 0x1b873593);
  const clipNoise = seededGaussian(seed ^ 0xcc9e2d51);
  const vectors = new Float32Array(count * d);
  const videoOf = new Uint32Array(count);
  const point = new Float64Array(d);
  const sigmas = new Float64Array(videos);
  let row = 0;
  for (let v = 0; v < videos; v++) {
    videoPoint(space, pointNoise, point);
    const clipSigma = clipDeviation(space, pointNoise());
    sigmas[v] = clipSigma;
    if (wanted.has(v)) wanted.set(v, Float64Array.from(point));
    for (let c = 0; c < (videoSizes[v] as number); c++, row++) {
      writeUnit(vectors, row * d, d, (x) => (point[x] as number) + clipSigma * clipNoise());
      videoOf[row] = v;
    }
  }

  const queryNoise = seededGaussian(seed ^ 0xe6546b64);
  const textSigma = space.textNoise / Math.sqrt(d);
  const textQueries = new Float32Array(options.textQueries * d);
  textTargets.forEach((v, q) => {
    const target = wanted.get(v) as Float64Array;
    writeUnit(
      textQueries,
      q * d,
      d,
      (x) =>
        (space.textMean[x] as number) +
        space.textTarget * ((target[x] as number) - (space.videoMean[x] as number)) +
        textSigma * queryNoise(),
    );
  });
  const clipQueries = new Float32Array(options.clipQueries * d);
  clipTargets.forEach((v, q) => {
    const target = wanted.get(v) as Float64Array;
    const clipSigma = sigmas[v] as number;
    writeUnit(clipQueries, q * d, d, (x) => (target[x] as number) + clipSigma * queryNoise());
  });
  return { dimension: d, count, vectors, videoOf, videos, textQueries, textTargets, clipQueries };
}

/**
 * Per-coordinate deviation of one video's clip noise, from a standard normal draw `z`: the
 * fitted median, varied log-normally between videos (some scenes barely change, others
 * cut often), as the real same-video clip cosines spread from about 0.75 to 0.99.
 */
export function clipDeviation(space: MarengoSpace, z: number): number {
  return (space.clipNoise * Math.exp(CLIP_NOISE_SPREAD * Math.min(z, CLIP_NOISE_CAP))) / Math.sqrt(space.dimension);
}

/**
 * Log-normal spread of the clip noise between videos, capped on the noisy side: the real
 * same-video cosines have a long tail towards 1 (static shots) and a short one below
 * (0.75 at p05). Chosen by trying spreads against the Shorts' quantiles.
 */
const CLIP_NOISE_SPREAD = 0.6;
const CLIP_NOISE_CAP = 0.8;

/** One draw of the fitted video distribution (not normalized), into `out`. */
export function videoPoint(space: MarengoSpace, gauss: () => number, out: Float64Array): void {
  const d = space.dimension;
  for (let x = 0; x < d; x++) out[x] = (space.videoMean[x] as number) + space.residualDeviation * gauss();
  for (let c = 0; c < space.deviations.length; c++) {
    const weight = (space.deviations[c] as number) * gauss();
    for (let x = 0; x < d; x++) out[x] = (out[x] as number) + weight * (space.components[c * d + x] as number);
  }
}
