import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { unitRows } from '../vector/normalize.js';
import { topComponents } from './top-components.js';

/** The real Marengo-retrieval-2.7 vectors the cross-modal generator is fitted on (../shared/data). */
export interface RealMarengo {
  dimension: number;
  /** Unit visual-text vectors of the YouTube-8M videos (mean of their 6 s clips), flat. */
  videos: Float64Array;
  videoCount: number;
  /** Unit text embeddings of the YouTube-8M category names. */
  texts: Float64Array;
  textCount: number;
  /** Unit visual-text vectors of the YouTube Shorts 6 s clips, and the video each belongs to. */
  clips: Float64Array;
  clipVideos: number[];
}

/**
 * The fitted shape of real Marengo embeddings, in the space of the real vectors: the video
 * mean, its top principal components, the residual variance, the text mean (the modality
 * gap is `textMean - videoMean`), and how far a clip strays from its video and a text from
 * the video it describes.
 */
export interface MarengoModel {
  dimension: number;
  videoMean: Float64Array;
  /** Unit principal directions of the videos around their mean, row-major. */
  components: Float64Array;
  variances: Float64Array;
  /** Video variance the components leave out (spread evenly over the other directions). */
  residualVariance: number;
  textMean: Float64Array;
  /** Norm of the noise that separates a clip from its video's point (fitted on the Shorts clips). */
  clipNoise: number;
  /** Weight of the target video's own direction in a text query (fitted on text-to-nearest-video cosines). */
  textTarget: number;
  /** Norm of a text query's own noise (fitted on text-text cosines). */
  textNoise: number;
}

const FIT_COMPONENTS = 32;
const DIMENSION = 1024;

export function loadRealMarengo(dataDir: string): RealMarengo {
  const yt8m = join(dataDir, 'marengo27_yt8m_categories');
  const shortsFile = join(dataDir, 'marengo27_yt_shorts_segments', 'marengo27_yt_shorts_segments.json');
  if (!existsSync(yt8m) || !existsSync(shortsFile))
    throw new InputError(
      `the real Marengo 2.7 vectors are not in ${dataDir} (marengo27_yt8m_categories, marengo27_yt_shorts_segments)`,
    );
  const videos = unitRows(readF32(join(yt8m, 'videos_visual_text_mean_360x1024.f32')), DIMENSION);
  const texts = unitRows(readF32(join(yt8m, 'class_text_queries_10x1024.f32')), DIMENSION);
  const shorts = JSON.parse(readFileSync(shortsFile, 'utf8')) as {
    videos: { segments: { visual_text: number[] }[] }[];
  };
  const clipRows: number[] = [];
  const clipVideos: number[] = [];
  shorts.videos.forEach((video, v) => {
    for (const segment of video.segments) {
      clipRows.push(...segment.visual_text);
      clipVideos.push(v);
    }
  });
  const clips = unitRows(Float64Array.from(clipRows), DIMENSION);
  return {
    dimension: DIMENSION,
    videos,
    videoCount: videos.length / DIMENSION,
    texts,
    textCount: texts.length / DIMENSION,
    clips,
    clipVideos,
  };
}

/**
 * Fits the model. Mean and components come from the YouTube-8M videos; the clip noise from
 * the same-video cosines of the Shorts clips (two clips of a point p at noise t have cosine
 * about |p|^2 / (|p|^2 + t^2)); the text weights from the text-to-nearest-video and
 * text-text cosines, solved in closed form for a query m_t + b (p - m_v) + g e.
 */
export function fitMarengoModel(real: RealMarengo, componentCount = FIT_COMPONENTS): MarengoModel {
  const d = real.dimension;
  const n = real.videoCount;
  const videoMean = meanOf(real.videos, n, d);
  const centred = new Float64Array(real.videos.length);
  for (let i = 0; i < n; i++)
    for (let x = 0; x < d; x++) centred[i * d + x] = (real.videos[i * d + x] as number) - (videoMean[x] as number);
  const { variances, vectors, total } = topComponents(centred, n, d, componentCount);
  const explained = variances.reduce((a, b) => a + b, 0);
  const textMean = meanOf(real.texts, real.textCount, d);

  const sameVideo: number[] = [];
  for (let i = 0; i < real.clipVideos.length; i++)
    for (let j = i + 1; j < real.clipVideos.length; j++) {
      if (real.clipVideos[i] === real.clipVideos[j]) sameVideo.push(dotRows(real.clips, i, real.clips, j, d));
    }
  const sameMedian = median(sameVideo);
  const pointNorm2 = norm2(videoMean) + total;
  const clipNoise = Math.sqrt(pointNorm2 * (1 / sameMedian - 1));

  // Nearest-video cosine c and text-text cosine s of queries t = m_t + b (p - m_v) + g e:
  //   |t|^2 = |m_t|^2 + b^2 V + g^2,  s = |m_t|^2 / |t|^2,  c = (m_t . m_v + b V) / (|t| |clip|).
  const nearest: number[] = [];
  for (let t = 0; t < real.textCount; t++) {
    let best = -1;
    for (let v = 0; v < n; v++) best = Math.max(best, dotRows(real.texts, t, real.videos, v, d));
    nearest.push(best);
  }
  const textText: number[] = [];
  for (let a = 0; a < real.textCount; a++)
    for (let b = a + 1; b < real.textCount; b++) textText.push(dotRows(real.texts, a, real.texts, b, d));
  const mt2 = norm2(textMean);
  const t2 = mt2 / median(textText);
  const clipNorm = Math.sqrt(pointNorm2 + clipNoise * clipNoise);
  const gap = dot(textMean, videoMean);
  const textTarget = Math.max(0, (median(nearest) * Math.sqrt(t2) * clipNorm - gap) / total);
  const textNoise = Math.sqrt(Math.max(0, t2 - mt2 - textTarget * textTarget * total));
  return {
    dimension: d,
    videoMean,
    components: vectors,
    variances,
    residualVariance: Math.max(0, total - explained),
    textMean,
    clipNoise,
    textTarget,
    textNoise,
  };
}

export function meanOf(rows: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let x = 0; x < d; x++) mean[x] = (mean[x] as number) + (rows[i * d + x] as number) / n;
  return mean;
}

function readF32(path: string): Float64Array {
  const bytes = readFileSync(path);
  return Float64Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function norm2(a: Float64Array): number {
  return dot(a, a);
}

export function dotRows(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let sum = 0;
  for (let x = 0; x < d; x++) sum += (a[i * d + x] as number) * (b[j * d + x] as number);
  return sum;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return ((sorted[Math.floor(mid)] as number) + (sorted[Math.ceil(mid)] as number)) / 2;
}
