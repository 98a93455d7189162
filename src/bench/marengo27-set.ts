import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { normalizeInPlace } from '../vector/normalize.js';

export interface RealVectorSet {
  dimension: number;
  /** Flat unit vectors of the library. */
  vectors: Float32Array;
  /** Flat unit query vectors. */
  queries: Float32Array;
  description: string;
}

const DIMENSION = 1024;
/** One stored vector in HOLD_OUT_EVERY becomes a query instead (not in the library). */
const HOLD_OUT_EVERY = 4;

interface ShortsFile {
  videos: { segments: { visual_text: number[]; audio: number[] }[] }[];
}

/**
 * The real Marengo-retrieval-2.7 vectors of ../shared/data (see its README.md): the
 * YouTube-8M per-video visual-text and audio vectors and the YouTube Shorts 6 s segment
 * vectors. Every 4th is held out as a query (a real embedding the library does not hold),
 * and the 10 real text-query vectors of the category names are queries too.
 */
export function loadMarengo27Set(dataDir: string): RealVectorSet {
  const yt8m = join(dataDir, 'marengo27_yt8m_categories');
  const shorts = join(dataDir, 'marengo27_yt_shorts_segments', 'marengo27_yt_shorts_segments.json');
  if (!existsSync(yt8m) || !existsSync(shorts))
    throw new InputError(
      `the real Marengo 2.7 vectors are not in ${dataDir} (marengo27_yt8m_categories, marengo27_yt_shorts_segments)`,
    );
  const rows: Float32Array[] = [
    ...f32Rows(join(yt8m, 'videos_visual_text_mean_360x1024.f32')),
    ...f32Rows(join(yt8m, 'videos_audio_mean_360x1024.f32')),
  ];
  const parsed = JSON.parse(readFileSync(shorts, 'utf8')) as ShortsFile;
  for (const video of parsed.videos)
    for (const segment of video.segments)
      rows.push(Float32Array.from(segment.visual_text), Float32Array.from(segment.audio));
  const base = rows.filter((_, i) => i % HOLD_OUT_EVERY !== HOLD_OUT_EVERY - 1);
  const heldOut = rows.filter((_, i) => i % HOLD_OUT_EVERY === HOLD_OUT_EVERY - 1);
  const text = f32Rows(join(yt8m, 'class_text_queries_10x1024.f32'));
  return {
    dimension: DIMENSION,
    vectors: flatUnit(base),
    queries: flatUnit([...heldOut, ...text]),
    description: `${base.length} real Marengo-retrieval-2.7 vectors (YouTube-8M video visual-text/audio means, YouTube Shorts 6 s segments); queries: ${heldOut.length} held-out real vectors + ${text.length} real text queries`,
  };
}

function f32Rows(path: string): Float32Array[] {
  const bytes = readFileSync(path);
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const rows: Float32Array[] = [];
  for (let offset = 0; offset + DIMENSION <= floats.length; offset += DIMENSION)
    rows.push(floats.slice(offset, offset + DIMENSION));
  return rows;
}

function flatUnit(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.length * DIMENSION);
  rows.forEach((row, r) => {
    if (row.length !== DIMENSION) throw new InputError(`a real vector has ${row.length} dimensions, not ${DIMENSION}`);
    out.set(row, r * DIMENSION);
    normalizeInPlace(out, r * DIMENSION, DIMENSION);
  });
  return out;
}
