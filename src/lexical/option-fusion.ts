import { overlaps } from '../annotations/annotation.js';
import type { ClipHit, VideoHit } from '../query/index.js';
import { RRF_K } from './fusion.js';

/** How a clip's scores under several embedding options (visual, audio, transcription) become one. */
export type OptionFusion = 'max' | 'rrf' | 'weighted';
export const OPTION_FUSIONS: readonly OptionFusion[] = ['max', 'rrf', 'weighted'];

export type FusedHit = (ClipHit | VideoHit) & {
  /** The score of each option that found this moment. */
  option_scores: Record<string, number>;
};

/**
 * One hit per moment (same video, overlapping spans; with group_by video, the same video) out
 * of the per-option hits of a vector search: `max` keeps the best option's cosine, `rrf` adds
 * 1 / (RRF_K + rank) of each option's own ranking, `weighted` adds weight x cosine (an option
 * with no weight counts 0; without weights every option weighs the same). An option that did
 * not find the moment adds nothing. The hit keeps the span and fields of its best-scoring
 * option's hit; `embedding_option` lists the options joined by "+".
 */
export function fuseOptions(
  hits: readonly (ClipHit | VideoHit)[],
  fusion: OptionFusion,
  weights: Readonly<Record<string, number>> | undefined,
  byVideo: boolean,
): FusedHit[] {
  const rankInOption = new Map<ClipHit, number>();
  const seen = new Map<string, number>();
  for (const hit of [...hits].sort((a, b) => b.score - a.score)) {
    const rank = (seen.get(hit.embedding_option) ?? 0) + 1;
    seen.set(hit.embedding_option, rank);
    rankInOption.set(hit, rank);
  }
  const options = [...seen.keys()];
  const weightOf = (option: string): number => (weights === undefined ? 1 / options.length : (weights[option] ?? 0));
  const groups: { anchor: ClipHit | VideoHit; members: Map<string, ClipHit> }[] = [];
  for (const hit of [...hits].sort((a, b) => b.score - a.score)) {
    const group = groups.find(
      (g) =>
        !g.members.has(hit.embedding_option) &&
        g.anchor.video_id === hit.video_id &&
        (byVideo || overlaps(g.anchor.start, g.anchor.end, hit.start, hit.end)),
    );
    if (group === undefined) groups.push({ anchor: hit, members: new Map([[hit.embedding_option, hit]]) });
    else group.members.set(hit.embedding_option, hit);
  }
  const fused = groups.map(({ anchor, members }): FusedHit => {
    const list = [...members.values()];
    const score =
      fusion === 'max'
        ? Math.max(...list.map((m) => m.score))
        : fusion === 'rrf'
          ? list.reduce((sum, m) => sum + 1 / (RRF_K + (rankInOption.get(m) ?? 0)), 0)
          : list.reduce((sum, m) => sum + weightOf(m.embedding_option) * m.score, 0);
    const optionScores = Object.fromEntries(list.map((m) => [m.embedding_option, m.score]));
    return { ...anchor, score, embedding_option: [...members.keys()].sort().join('+'), option_scores: optionScores };
  });
  return fused.sort(
    (a, b) =>
      b.score - a.score || (a.video_id < b.video_id ? -1 : a.video_id > b.video_id ? 1 : 0) || a.start - b.start,
  );
}
