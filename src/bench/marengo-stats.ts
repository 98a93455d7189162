import { seededGaussian } from '../random/gaussian.js';
import { unitRows } from '../vector/normalize.js';
import { dotRows, meanOf, type RealMarengo } from './marengo-fit.js';
import type { MarengoSpace } from './marengo-space.js';
import { percentile } from './percentiles.js';
import { topComponents } from './top-components.js';
import { clipDeviation, videoPoint } from './xmodal-generator.js';

/** The statistics the generator is judged by, real or generated, on samples of the same sizes. */
export interface MarengoStats {
  /** Norm of the mean of the unit video vectors (how far the distribution sits from the origin). */
  meanNorm: number;
  /** Share of the video variance explained by the top 1, 4, 16 and 32 components. */
  explained: { top1: number; top4: number; top16: number; top32: number };
  /** Cosine quantiles (p05, p25, p50, p75, p95). */
  videoVideo: number[];
  textNearestVideo: number[];
  textText: number[];
  clipSameVideo: number[];
}

const STAT_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

interface Sample {
  d: number;
  videos: Float64Array;
  videoCount: number;
  texts: Float64Array;
  textCount: number;
  clips: Float64Array;
  clipVideos: readonly number[];
}

export function realStats(real: RealMarengo): MarengoStats {
  return statsOf({
    d: real.dimension,
    videos: real.videos,
    videoCount: real.videoCount,
    texts: real.texts,
    textCount: real.textCount,
    clips: real.clips,
    clipVideos: real.clipVideos,
  });
}

/**
 * The same statistics on a generated sample shaped like the real one: `videoCount` videos
 * (their points, as the real per-video vectors are means of clips), `textCount` text queries
 * each written for one of those videos, and clips of `clipVideoCount` videos.
 */
export function generatedStats(
  space: MarengoSpace,
  sizes: { videoCount: number; textCount: number; clipVideoCount: number; clipsPerVideo: number },
  seed = 1,
): MarengoStats {
  const d = space.dimension;
  const gauss = seededGaussian(seed);
  const points = new Float64Array(sizes.videoCount * d);
  const point = new Float64Array(d);
  for (let v = 0; v < sizes.videoCount; v++) {
    videoPoint(space, gauss, point);
    points.set(point, v * d);
  }
  const videos = unitRows(points, d);
  const texts = new Float64Array(sizes.textCount * d);
  const textSigma = space.textNoise / Math.sqrt(d);
  for (let t = 0; t < sizes.textCount; t++) {
    const target = t % sizes.videoCount;
    for (let x = 0; x < d; x++)
      texts[t * d + x] =
        (space.textMean[x] as number) +
        space.textTarget * ((points[target * d + x] as number) - (space.videoMean[x] as number)) +
        textSigma * gauss();
  }
  const clipVideos: number[] = [];
  const clips = new Float64Array(sizes.clipVideoCount * sizes.clipsPerVideo * d);
  for (let v = 0, row = 0; v < sizes.clipVideoCount; v++) {
    videoPoint(space, gauss, point);
    const clipSigma = clipDeviation(space, gauss());
    for (let c = 0; c < sizes.clipsPerVideo; c++, row++) {
      for (let x = 0; x < d; x++) clips[row * d + x] = (point[x] as number) + clipSigma * gauss();
      clipVideos.push(v);
    }
  }
  return statsOf({
    d,
    videos,
    videoCount: sizes.videoCount,
    texts: unitRows(texts, d),
    textCount: sizes.textCount,
    clips: unitRows(clips, d),
    clipVideos,
  });
}

/** Median cosine of generated text queries to the nearest of `videoCount` generated videos (the fit's target figure). */
export function textNearestMedian(space: MarengoSpace, videoCount: number, textCount: number, seed = 2): number {
  const d = space.dimension;
  const gauss = seededGaussian(seed);
  const points = new Float64Array(videoCount * d);
  const point = new Float64Array(d);
  for (let v = 0; v < videoCount; v++) {
    videoPoint(space, gauss, point);
    points.set(point, v * d);
  }
  const videos = unitRows(points, d);
  const text = new Float64Array(d);
  const textSigma = space.textNoise / Math.sqrt(d);
  const nearest: number[] = [];
  for (let t = 0; t < textCount; t++) {
    const target = t % videoCount;
    for (let x = 0; x < d; x++)
      text[x] =
        (space.textMean[x] as number) +
        space.textTarget * ((points[target * d + x] as number) - (space.videoMean[x] as number)) +
        textSigma * gauss();
    const unit = unitRows(text, d);
    let best = -1;
    for (let v = 0; v < videoCount; v++) best = Math.max(best, dotRows(unit, 0, videos, v, d));
    nearest.push(best);
  }
  return percentile(Float64Array.from(nearest).sort(), 0.5);
}

function statsOf(sample: Sample): MarengoStats {
  const { d, videos, videoCount: n, texts, textCount: m } = sample;
  const mean = meanOf(videos, n, d);
  const centred = Float64Array.from(videos, (value, i) => value - (mean[i % d] as number));
  const { variances, total } = topComponents(centred, n, d, 32);
  const share = (count: number): number => round(variances.subarray(0, count).reduce((a, b) => a + b, 0) / total);
  const videoVideo: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) videoVideo.push(dotRows(videos, i, videos, j, d));
  const textNearestVideo: number[] = [];
  for (let t = 0; t < m; t++) {
    let best = -1;
    for (let v = 0; v < n; v++) best = Math.max(best, dotRows(texts, t, videos, v, d));
    textNearestVideo.push(best);
  }
  const textText: number[] = [];
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) textText.push(dotRows(texts, a, texts, b, d));
  const clipSameVideo: number[] = [];
  const { clips, clipVideos } = sample;
  for (let i = 0; i < clipVideos.length; i++)
    for (let j = i + 1; j < clipVideos.length; j++)
      if (clipVideos[i] === clipVideos[j]) clipSameVideo.push(dotRows(clips, i, clips, j, d));
  return {
    meanNorm: round(Math.sqrt(mean.reduce((sum, x) => sum + x * x, 0))),
    explained: { top1: share(1), top4: share(4), top16: share(16), top32: share(32) },
    videoVideo: quantiles(videoVideo),
    textNearestVideo: quantiles(textNearestVideo),
    textText: quantiles(textText),
    clipSameVideo: quantiles(clipSameVideo),
  };
}

function quantiles(values: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  return STAT_QUANTILES.map((p) => round(percentile(sorted, p)));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
