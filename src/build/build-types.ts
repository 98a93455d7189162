import type { Metadata } from '../types.js';
import type { SkippedInput } from './discover-inputs.js';

export interface BuildOptions {
  /** The library's model; a new library defaults to marengo3.0. */
  model?: string | undefined;
  /** Clip length in seconds: v1 video_clip_length (2-10), v2 fixed segmentation. */
  clipLengthSec?: number | undefined;
  /** Items embedded at once (default 4). */
  concurrency?: number | undefined;
  /** Merged under each item's own metadata. */
  metadata?: Metadata | undefined;
  /**
   * Store content the library already holds under another video id as a second video (a copy
   * of its segments, no API call). Off by default: such inputs are listed in `duplicates`.
   */
  keepDuplicates?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: BuildProgress) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

export interface BuildProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  segments: number;
  elapsedMs: number;
}

export interface BuildFailure {
  source: string;
  reason: string;
}

export interface DuplicateInput {
  source: string;
  /** The video that holds the same content. */
  video_id: string;
}

export interface BuildSummary {
  /** Items that now have segments in the library from this run (embedded, resumed or aliased). */
  videos: number;
  segments: number;
  /** Seconds of media embedded by API calls in this run. */
  media_seconds: number;
  /** Sync embed calls that returned segments. */
  sync_embeds: number;
  /** Async tasks the API accepted in this run (paid for, whether or not they finished). */
  tasks_created: number;
  /** Journaled tasks of an earlier run that finished in this one. */
  tasks_resumed: number;
  /** Items whose content the library already held (under this or another name): no API call. */
  deduplicated: number;
  /** Inputs whose content another video of the library holds: not stored twice (see keepDuplicates). */
  duplicates: DuplicateInput[];
  /** Inputs that were not sent: unsupported, unreadable, or outside the API's limits. */
  skipped: SkippedInput[];
  /** Inputs that are missing or unreadable, and items the API failed on (a failed task, an error after retries). */
  failures: BuildFailure[];
  elapsed_sec: number;
}
