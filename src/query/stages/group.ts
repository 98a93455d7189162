import type { LabelFacts } from '../label-facts.js';
import type { MatchItem, PageRules, VideoMatches } from './match.js';
import type { CandidateStream } from './retrieve.js';

/** Clips listed under each video of a search grouped by video (README, vsearch query, `--group-by video`). */
export const CLIPS_PER_VIDEO = 10;

/** One video of a page grouped by video: the hit that ranks it and its best clips. */
export interface VideoGroup {
  video: number;
  top: MatchItem;
  clips: MatchItem[];
}

/**
 * Stage 5 (by video): the page's videos in the order their best candidates come, each once,
 * each only when it matches the search as a whole (VideoMatches), with its best clips.
 */
export async function groupVideos(
  stream: CandidateStream,
  matches: VideoMatches,
  facts: LabelFacts,
  rules: PageRules,
  limit: number,
): Promise<VideoGroup[]> {
  const groups: VideoGroup[] = [];
  const seen = new Set<number>();
  for (
    let candidate = stream.take() ?? (await stream.next());
    candidate !== undefined && groups.length < limit;
    candidate = stream.take() ?? (await stream.next())
  ) {
    if (rules.floor !== undefined && candidate.score < rules.floor) break;
    const video = facts.video[candidate.label] as number;
    if (seen.has(video)) continue;
    seen.add(video);
    const top = matches.qualifies(video) ? matches.top(video) : undefined;
    if (top !== undefined) groups.push({ video, top, clips: matches.of(video).slice(0, CLIPS_PER_VIDEO) });
  }
  return groups;
}
