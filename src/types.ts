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
