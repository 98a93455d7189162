/** Shared vocabulary of every layer. Nothing here imports anything. */

export type Modality = 'video' | 'audio' | 'image' | 'text';

/** The model names the TwelveLabs API knows; a library holds exactly one. */
export const KNOWN_MODELS = ['marengo3.0', 'marengo3.5', 'Marengo-retrieval-2.7'] as const;
export type ModelName = (typeof KNOWN_MODELS)[number];

export const MODEL_DIMENSIONS: Readonly<Record<ModelName, number>> = {
  'marengo3.0': 512,
  'marengo3.5': 512,
  'Marengo-retrieval-2.7': 1024,
};

/** The trailing options of every call that can be cancelled. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = { [key: string]: JsonValue };

/**
 * One embedded stretch of media: the unit the store keeps and the index searches.
 * `vector` is L2-normalized once it is in the store.
 */
export interface Segment {
  videoId: string;
  source: string;
  contentSha256: string;
  modality: Modality;
  /** visual | audio | transcription (v2), visual-text | audio (Marengo 2.7). */
  embeddingOption: string;
  /** clip | video | asset. */
  embeddingScope: string;
  startSec: number;
  endSec: number;
  modelName: string;
  metadata: Metadata;
  vector: Float32Array;
}

/** An embedding as the API returns it, before it is tied to a video. */
export interface EmbeddingSegment {
  vector: Float32Array;
  startSec: number;
  endSec: number;
  embeddingOption: string;
  embeddingScope: string;
}

/** One video of a library, as `listVideos` gives it. */
export interface VideoInfo {
  video_id: string;
  /** The file or URL it was embedded from (its first segment's). */
  source: string;
  /** The last part of `source`. */
  filename: string;
  segments: number;
  /** The latest end of its segments, in seconds. */
  duration: number;
  embedding_options: string[];
  embedding_scopes: string[];
  /** The user metadata of its first segment (every segment of a video normally has the same). */
  metadata: Metadata;
  /** When it was first stored (or the import that brought it was made), where the library recorded it. */
  created_at?: string;
  /** When its segments or user metadata last changed, where the library recorded it. */
  updated_at?: string;
  /** Read from its file at build (absent for imports and for libraries built before they were kept). */
  fps?: number;
  width?: number;
  height?: number;
  /** The file's size in bytes. */
  size?: number;
}

/** One segment of a video, as `getVideo` gives it; `label` is its place in the library's key order. */
export interface VideoSegment {
  start: number;
  end: number;
  embedding_option: string;
  embedding_scope: string;
  label: number;
  /** The stored (L2-normalized) embedding, with `{ vectors: true }` only. */
  vector?: number[];
}

/** One video with its segments, by option and start. */
export interface VideoDetail extends Omit<VideoInfo, 'segments'> {
  segments: VideoSegment[];
}
