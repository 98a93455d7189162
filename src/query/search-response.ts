import type { Metadata } from '../types.js';
import type { Confidence } from './confidence.js';

/** One clip: the search API's clip fields plus `score` (cosine similarity) and ours. */
export interface ClipHit {
  rank: number;
  video_id: string;
  start: number;
  end: number;
  score: number;
  confidence: Confidence;
  embedding_option: string;
  metadata: Metadata;
}

/** With group_by video: the video's best clip's fields, its best clips under `clips`. */
export interface VideoHit extends ClipHit {
  clips: ClipHit[];
}

export interface SearchResponse {
  data: ClipHit[] | VideoHit[];
  page_info: { limit_per_page: number; total_results: number; next_page_token?: string };
  search_pool: { total_count: number; total_duration: number; index_id: string };
}
