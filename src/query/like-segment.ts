import { InputError } from '../errors.js';
import type { LibrarySnapshot } from './library-snapshot.js';
import { embeddingOptionsFor, SEARCH_OPTIONS, type SearchOption } from './search-request.js';

export interface LikeTarget {
  videoId: string;
  seconds: number | undefined;
}

/** "VIDEO_ID" or "VIDEO_ID@SECONDS"; the last "@" splits, so ids may contain "@". */
export function parseLike(spec: string): LikeTarget {
  const at = spec.lastIndexOf('@');
  if (at < 0) return { videoId: spec, seconds: undefined };
  const secondsText = spec.slice(at + 1);
  const seconds = Number(secondsText);
  if (secondsText === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new InputError(
      `--like takes VIDEO_ID or VIDEO_ID@SECONDS; ${JSON.stringify(secondsText)} is not a number of seconds`,
    );
  }
  return { videoId: spec.slice(0, at), seconds };
}

/** Cosines at least this high are the same vector stored twice (float32 rounding aside). */
const SAME_VECTOR = 1 - 1e-6;

/**
 * The stored segment a "more like this" query starts from: the one covering `seconds`
 * (or the video's first), preferring a clip, then an embedding option the search asks for.
 * `excluded` holds it and every row of its video with the same span carrying the same vector
 * (a clip's whole-video twin, a row stored twice): none of them is an answer. Only the
 * vectors of those rows are read.
 */
export async function findLikeSegment(
  snapshot: LibrarySnapshot,
  target: LikeTarget,
  searchOptions: readonly SearchOption[] | undefined,
): Promise<{ label: number; vector: Float32Array; excluded: number[] }> {
  const preferredOptions = (searchOptions ?? SEARCH_OPTIONS).flatMap((option) => embeddingOptionsFor(option));
  const facts = snapshot.facts;
  const summary = snapshot.manifest.videos[target.videoId];
  if (summary === undefined)
    throw new InputError(
      `--like: no video ${JSON.stringify(target.videoId)} in this library; \`vsearch videos\` lists what it holds`,
    );
  if (target.seconds !== undefined && target.seconds > summary.durationSec) {
    throw new InputError(
      `--like: ${target.videoId} is ${summary.durationSec.toFixed(2)} s long; ${target.seconds} s is past its end`,
    );
  }
  const ordinal = facts.videoOrdinals.get(target.videoId);
  let best: { label: number; rank: number } | undefined;
  for (const label of ordinal === undefined ? [] : (facts.videos[ordinal]?.labels ?? [])) {
    const start = facts.start[label] as number;
    const end = facts.end[label] as number;
    const covers =
      target.seconds === undefined
        ? 0
        : target.seconds >= start && (target.seconds < end || target.seconds === summary.durationSec)
          ? 0
          : 1;
    const optionRank = preferredOptions.indexOf(facts.options[facts.option[label] as number] ?? '');
    const notClip = facts.clipRow[label] === 1 ? 0 : 1;
    const rank = notClip * 1e12 + covers * 1e9 + (optionRank < 0 ? preferredOptions.length : optionRank) * 1e6 + start;
    if (best === undefined || rank < best.rank || (rank === best.rank && label < best.label)) best = { label, rank };
  }
  const vector = best === undefined ? undefined : await snapshot.segmentVector(best.label);
  if (best === undefined || vector === undefined)
    throw new InputError(`--like: video ${JSON.stringify(target.videoId)} has no segments`);
  const excluded = [best.label];
  const start = facts.start[best.label] as number;
  const end = facts.end[best.label] as number;
  for (const label of ordinal === undefined ? [] : (facts.videos[ordinal]?.labels ?? [])) {
    if (label === best.label || facts.start[label] !== start || facts.end[label] !== end) continue;
    const twin = await snapshot.segmentVector(label);
    if (twin !== undefined && cosine(vector, twin) >= SAME_VECTOR) excluded.push(label);
  }
  return { label: best.label, vector, excluded };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
