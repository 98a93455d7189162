import type { Metadata } from '../types.js';
import type { Confidence } from './stages/match.js';
import type { GroupBy, SearchRequest } from './stages/prepare.js';

/** One clip: the search API's clip fields plus `score` (cosine similarity) and ours. */
export interface ClipHit {
  rank: number;
  video_id: string;
  start: number;
  end: number;
  score: number;
  confidence: Confidence;
  embedding_option: string;
  /** "clip" for a clip; "video" (v1) or "asset" (v2) when a whole-video vector ranked a video grouped by video. */
  embedding_scope: string;
  metadata: Metadata;
}

/**
 * With group_by video: the fields of the segment that ranked the video (its best clip, or its
 * whole-video vector when that scored higher), and its best matching clips under `clips`.
 */
export interface VideoHit extends ClipHit {
  clips: ClipHit[];
}

export interface PageInfo {
  limit_per_page: number;
  /** Results across all pages: clips (merged hits with mergeAdjacent), or videos with group_by video. */
  total_results: number;
  next_page_token?: string;
  prev_page_token?: string;
  /** When the page tokens stop working (RFC 3339); present when there are tokens. */
  page_expires_at?: string;
  /**
   * Present instead of `next_page_token` when there are more results but no token could be
   * issued (the library cannot be written, so the page record a token names cannot be kept): why.
   */
  paging_unavailable?: string;
}

/** A search response; `G` narrows `data`: clip hits for 'clip', video hits (with their clips) for 'video'. */
export interface SearchResponse<G extends GroupBy = GroupBy> {
  data: HitsOf<G>;
  page_info: PageInfo;
  search_pool: { total_count: number; total_duration: number; index_id: string };
}

/** The hits of a search grouped by `G` (both kinds while `G` is not known). */
export type HitsOf<G extends GroupBy> = [G] extends ['video']
  ? VideoHit[]
  : [G] extends ['clip']
    ? ClipHit[]
    : ClipHit[] | VideoHit[];

/**
 * The grouping a request asks for: its `groupBy`, 'clip' when it names none, and either when it
 * carries a page token (the search it replays decides) or when its `groupBy` is not a literal.
 */
export type GroupByOf<R extends SearchRequest> = R extends { pageToken: string }
  ? GroupBy
  : R extends { groupBy: infer G extends GroupBy }
    ? G
    : R extends { groupBy?: infer G }
      ? [G] extends [undefined]
        ? 'clip'
        : Exclude<G, undefined> extends 'clip'
          ? 'clip'
          : GroupBy
      : 'clip';

/** What `search(request)` answers, narrowed by the request's `groupBy`. */
export type SearchResponseFor<R extends SearchRequest> = SearchResponse<GroupByOf<R>>;
