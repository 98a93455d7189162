import type { ClipHit, Confidence, SearchResponse, VideoHit } from '../query/index.js';
import type { Metadata } from '../types.js';

/**
 * The search API's result shapes (OpenAPI `SearchResults` / `search_retrieve_Response_200`).
 * `score` (cosine similarity) and `confidence` are the Marengo 2.7-era fields; `embedding_option`
 * is vsearch's own, telling a visual hit from an audio one at the same time range.
 */
export interface ApiClip {
  video_id: string;
  rank: number;
  start: number;
  end: number;
  score: number;
  confidence: Confidence;
  embedding_option: string;
  user_metadata?: Metadata;
}

/** With group_by video: the video (`id`), ranked by its best clip, and its matching clips. */
export interface ApiVideo {
  id: string;
  rank: number;
  score: number;
  confidence: Confidence;
  user_metadata?: Metadata;
  clips: ApiClip[];
}

export interface ApiPageInfo {
  limit_per_page: number;
  total_results: number;
  page_expires_at?: string;
  next_page_token?: string;
  prev_page_token?: string;
  /** vsearch's own: why there is no next_page_token although there are more results (a read-only library). */
  paging_unavailable?: string;
}

export interface ApiSearchResults {
  search_pool: { total_count: number; total_duration: number; index_id: string };
  data: ApiClip[] | ApiVideo[];
  page_info: ApiPageInfo;
}

export interface ApiResultOptions {
  includeUserMetadata: boolean;
}

function apiClip(hit: ClipHit, options: ApiResultOptions): ApiClip {
  const clip: ApiClip = {
    video_id: hit.video_id,
    rank: hit.rank,
    start: hit.start,
    end: hit.end,
    score: hit.score,
    confidence: hit.confidence,
    embedding_option: hit.embedding_option,
  };
  if (options.includeUserMetadata) clip.user_metadata = hit.metadata;
  return clip;
}

function apiVideo(hit: VideoHit, options: ApiResultOptions): ApiVideo {
  const video: ApiVideo = {
    id: hit.video_id,
    rank: hit.rank,
    score: hit.score,
    confidence: hit.confidence,
    clips: hit.clips.map((clip) => apiClip(clip, options)),
  };
  if (options.includeUserMetadata) video.user_metadata = hit.metadata;
  return video;
}

const isVideoHits = (data: SearchResponse['data']): data is VideoHit[] => data.some((hit) => 'clips' in hit);

/** The one place where vsearch's search response (docs/design.md section 5) becomes the API's. */
export function toApiResults(response: SearchResponse, options: ApiResultOptions): ApiSearchResults {
  const { data, page_info: page, search_pool: pool } = response;
  const pageInfo: ApiPageInfo = { limit_per_page: page.limit_per_page, total_results: page.total_results };
  if (page.page_expires_at !== undefined) pageInfo.page_expires_at = page.page_expires_at;
  if (page.next_page_token !== undefined) pageInfo.next_page_token = page.next_page_token;
  if (page.prev_page_token !== undefined) pageInfo.prev_page_token = page.prev_page_token;
  if (page.paging_unavailable !== undefined) pageInfo.paging_unavailable = page.paging_unavailable;
  return {
    search_pool: { total_count: pool.total_count, total_duration: pool.total_duration, index_id: pool.index_id },
    data: isVideoHits(data) ? data.map((hit) => apiVideo(hit, options)) : data.map((hit) => apiClip(hit, options)),
    page_info: pageInfo,
  };
}
