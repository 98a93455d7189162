import { thresholdFloor } from '../confidence.js';
import type { LabelFacts } from '../label-facts.js';
import type { ReturnedPage } from '../page-record-codec.js';
import type { MatchItem, MatchRules, VideoMatches } from '../video-matches.js';
import type { SearchPool } from './pool.js';
import type { PreparedSearch } from './prepare.js';
import type { CandidateStream } from './retrieve.js';

export interface PageRules extends MatchRules {
  grouped: boolean;
  /**
   * Whether matching scores whole videos (grouping, a floor's total, merging): it reads the
   * stored vectors and needs VideoMatches. Otherwise a clip matches on its own score alone.
   */
  scoresVideos: boolean;
}

/** What makes a candidate a result: the score floor (min-score, threshold), operator "and", merging, grouping. */
export function pageRulesOf(prepared: PreparedSearch, model: string | null): PageRules {
  const { search, queries } = prepared;
  const band = thresholdFloor(search.threshold, model);
  const asked =
    search.minScore === undefined ? band : band === undefined ? search.minScore : Math.max(search.minScore, band);
  const grouped = search.groupBy === 'video';
  // Grouped by video, a negative cosine is no match even with no floor asked: no video is
  // listed for it, and no clip under a video (README, vsearch query, `--group-by video`).
  const floor = grouped ? (asked ?? 0) : asked;
  return {
    queries,
    floor,
    every: search.operator === 'and' && queries.length > 1,
    mergeAdjacent: search.mergeAdjacent,
    grouped,
    scoresVideos: grouped || floor !== undefined || search.mergeAdjacent,
  };
}

/**
 * Stage 4 (by clip): the page's hits from the candidates, best first: each candidate above the
 * floor, as itself or as the merged run holding it, each hit once.
 */
export async function matchClips(
  stream: CandidateStream,
  matches: VideoMatches | undefined,
  facts: LabelFacts,
  rules: PageRules,
  limit: number,
): Promise<MatchItem[]> {
  // Without "and" under a floor or merging, a clip's match depends on its own score alone.
  const simple = matches === undefined || (!rules.mergeAdjacent && !(rules.every && rules.floor !== undefined));
  const items: MatchItem[] = [];
  // Candidates come once each; only merged runs (several labels, one item) can come again.
  const taken = simple ? undefined : new Set<MatchItem>();
  for (
    let candidate = stream.take() ?? (await stream.next());
    candidate !== undefined && items.length < limit;
    candidate = stream.take() ?? (await stream.next())
  ) {
    if (rules.floor !== undefined && candidate.score < rules.floor) break;
    const { label } = candidate;
    const item = simple
      ? {
          labels: [label],
          best: label,
          score: candidate.score,
          start: facts.start[label] as number,
          end: facts.end[label] as number,
        }
      : matches.itemOf(label);
    if (item === undefined || taken?.has(item) === true) continue;
    taken?.add(item);
    items.push(item);
  }
  return items;
}

/** Every result of the search across all its pages: clips (merged hits), or videos grouped by video (README "total_results"). */
export function countResults(
  pool: SearchPool,
  matches: VideoMatches | undefined,
  rules: PageRules,
  earlier: readonly ReturnedPage[],
): number {
  if (!rules.scoresVideos || matches === undefined)
    return pool.available + earlier.reduce((sum, page) => sum + page.labels.length, 0);
  let count = 0;
  for (const video of pool.videosInBase())
    count += rules.grouped ? (matches.qualifies(video) ? 1 : 0) : matches.count(video);
  return count;
}
