import type { SegmentRows } from '../store/index.js';
import { vectorFromSend } from './vector-bytes.js';

/** A segment row as read from vsearch_segments with SEGMENT_COLUMNS. */
export interface SegmentRow {
  video_id: string;
  embedding_option: string;
  embedding_scope: string;
  start_sec: number;
  end_sec: number;
  source: string;
  content_sha256: string;
  modality: string;
  model_name: string;
  metadata: string;
  embedding: Buffer;
}

export const SEGMENT_COLUMNS =
  'video_id, embedding_option, embedding_scope, start_sec, end_sec, source, content_sha256, modality, model_name, metadata::text AS metadata, vector_send(embedding) AS embedding';
/** Rows as the store takes them; the vectors as stored (already unit: not normalised again). */
export function segmentRows(pages: readonly SegmentRow[], dimension: number): SegmentRows {
  const vectors = new Float32Array(pages.length * dimension);
  pages.forEach((page, i) => {
    vectorFromSend(page.embedding, dimension, vectors, i * dimension);
  });
  const column = (pick: (page: SegmentRow) => string): string[] => pages.map(pick);
  return {
    count: pages.length,
    dimension,
    vectors,
    videoId: column((p) => p.video_id),
    source: column((p) => p.source),
    contentSha256: column((p) => p.content_sha256),
    modality: column((p) => p.modality),
    embeddingOption: column((p) => p.embedding_option),
    embeddingScope: column((p) => p.embedding_scope),
    startSec: Float64Array.from(pages, (p) => p.start_sec),
    endSec: Float64Array.from(pages, (p) => p.end_sec),
    modelName: column((p) => p.model_name),
    metadata: column((p) => JSON.stringify(JSON.parse(p.metadata))),
  };
}
