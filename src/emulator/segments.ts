import type { Media } from './media.js';
import { describeRange } from './scenario.js';
import type { VectorSpace } from './vectors.js';
import { meanVector } from './vectors.js';

export interface Clip {
  start: number;
  end: number;
}

export interface EmbeddedSegment {
  embedding: number[];
  option: string;
  scope: string;
  start: number;
  end: number;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Clips of `length` seconds over [start, end); the last one ends exactly at `end`. */
export function fixedClips(start: number, end: number, length: number): Clip[] {
  const clips: Clip[] = [];
  if (!(end > start) || !(length > 0)) return clips;
  for (let i = 0; ; i += 1) {
    const clipStart = start + i * length;
    if (clipStart >= end - 1e-9) break;
    clips.push({ start: round(clipStart), end: round(Math.min(clipStart + length, end)) });
  }
  return clips;
}

/**
 * Dynamic segmentation follows the scenario's scene boundaries (merging scenes shorter than
 * `minDuration`); without a scenario it falls back to fixed clips of `minDuration`.
 */
export function dynamicClips(media: Media, start: number, end: number, minDuration: number): Clip[] {
  const scenes = (media.entry?.segments ?? [])
    .map((segment) => ({ start: Math.max(start, segment.start), end: Math.min(end, segment.end) }))
    .filter((clip) => clip.end > clip.start)
    .sort((a, b) => a.start - b.start);
  if (scenes.length === 0) return fixedClips(start, end, minDuration);
  const cuts = [start, ...scenes.map((scene) => scene.start).filter((cut) => cut > start), end];
  const clips: Clip[] = [];
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const clipStart = cuts[i] ?? start;
    const clipEnd = cuts[i + 1] ?? end;
    const last = clips[clips.length - 1];
    if (last !== undefined && last.end - last.start < minDuration) last.end = round(clipEnd);
    else if (clipEnd > clipStart) clips.push({ start: round(clipStart), end: round(clipEnd) });
  }
  const tail = clips[clips.length - 1];
  const beforeTail = clips[clips.length - 2];
  if (tail !== undefined && beforeTail !== undefined && tail.end - tail.start < minDuration) {
    beforeTail.end = tail.end;
    clips.pop();
  }
  return clips;
}

/** One clip's vector for one modality: the scenario's description plus noise, or seeded noise. */
function clipVector(space: VectorSpace, media: Media, clip: Clip, option: string, index: number): number[] {
  const description = describeRange(media.entry, clip.start, clip.end);
  const key = `${media.key}\u0000${option}\u0000${index}`;
  return description === undefined ? space.random(key) : space.described(description, key);
}

export interface EmbedPlan {
  clips: Clip[];
  options: string[];
  separate: boolean;
  fused: boolean;
  clipScope: boolean;
  /** The name of the whole-media scope ('asset' in v2, 'video' in v1), or undefined for none. */
  wholeScope: string | undefined;
  wholeRange: Clip;
}

/**
 * Segments in the API's order: per clip each separate modality then fused; then the
 * whole-media vectors (the mean of the clips of each modality).
 */
export function embedMedia(space: VectorSpace, media: Media, plan: EmbedPlan): EmbeddedSegment[] {
  const out: EmbeddedSegment[] = [];
  const perOption = new Map<string, number[][]>();
  const fusedAll: number[][] = [];
  plan.clips.forEach((clip, index) => {
    const vectors = plan.options.map((option) => clipVector(space, media, clip, option, index));
    vectors.forEach((vector, i) => {
      const option = plan.options[i] ?? 'visual';
      const list = perOption.get(option) ?? [];
      list.push(vector);
      perOption.set(option, list);
      if (plan.separate && plan.clipScope)
        out.push({ embedding: vector, option, scope: 'clip', start: clip.start, end: clip.end });
    });
    const fused = meanVector(vectors, space.dimension);
    fusedAll.push(fused);
    if (plan.fused && plan.clipScope)
      out.push({ embedding: fused, option: 'fused', scope: 'clip', start: clip.start, end: clip.end });
  });
  if (plan.wholeScope !== undefined && plan.clips.length > 0) {
    const { start, end } = plan.wholeRange;
    if (plan.separate) {
      for (const option of plan.options)
        out.push({
          embedding: meanVector(perOption.get(option) ?? [], space.dimension),
          option,
          scope: plan.wholeScope,
          start,
          end,
        });
    }
    if (plan.fused)
      out.push({
        embedding: meanVector(fusedAll, space.dimension),
        option: 'fused',
        scope: plan.wholeScope,
        start,
        end,
      });
  }
  return out;
}

/** An image (or a whole audio query): one vector, from the scenario's descriptions if any. */
export function singleVector(space: VectorSpace, media: Media, option: string): number[] {
  const description = media.entry?.segments.map((segment) => segment.text).join(' ');
  const key = `${media.key}\u0000${option}\u00000`;
  return description === undefined || description.length === 0 ? space.random(key) : space.described(description, key);
}
