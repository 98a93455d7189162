import { basename } from 'node:path';
import type { Metadata, VideoDetail, VideoSegment } from '../types.js';
import type { Queryable } from './queryable.js';
import { KEY_ORDER } from './segment-key.js';
import { vectorFromSend } from './vector-bytes.js';

interface SegmentRow {
  start_sec: number;
  end_sec: number;
  embedding_option: string;
  embedding_scope: string;
  source: string;
  metadata: string;
  vector: Buffer | null;
}

/**
 * One video of the library, or undefined when it holds none of that id. `db` must be one
 * connection: the reads share a REPEATABLE READ snapshot, so the labels agree with the rows. A
 * video's labels are contiguous (the key order starts with the video id): the count of the
 * segments of the videos before it, then its own place.
 */
export async function readPgVideo(
  db: Queryable,
  library: string,
  videoId: string,
  options: { vectors: boolean; dimension: number },
): Promise<VideoDetail | undefined> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const video = await db.query('SELECT updated_at FROM vsearch_videos WHERE library = $1 AND video_id = $2', [
      library,
      videoId,
    ]);
    const [held] = video.rows as { updated_at: Date }[];
    if (held === undefined) {
      await db.query('COMMIT');
      return undefined;
    }
    const before = await db.query(
      'SELECT count(*)::int AS n FROM vsearch_segments WHERE library = $1 AND video_id COLLATE "C" < $2 COLLATE "C"',
      [library, videoId],
    );
    const segments = await db.query(
      `SELECT start_sec, end_sec, embedding_option, embedding_scope, source, metadata::text AS metadata, ${options.vectors ? 'vector_send(embedding)' : 'NULL::bytea'} AS vector
       FROM vsearch_segments WHERE library = $1 AND video_id = $2 ORDER BY ${KEY_ORDER}`,
      [library, videoId],
    );
    await db.query('COMMIT');
    const first = (before.rows as { n: number }[])[0]?.n ?? 0;
    const rows = segments.rows as SegmentRow[];
    return detailOf(
      videoId,
      held.updated_at,
      rows,
      rows.map((row, i) => segmentOf(row, first + i, options.dimension)),
    );
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The video in getVideo's shape: source and metadata its first segment's by start (as listPgVideos takes them), segments by option, start, label. */
function detailOf(
  videoId: string,
  updatedAt: Date,
  rows: readonly SegmentRow[],
  segments: VideoSegment[],
): VideoDetail {
  let first: SegmentRow | undefined;
  for (const row of rows) if (first === undefined || compareFirst(row, first) < 0) first = row;
  const source = first?.source ?? '';
  return {
    video_id: videoId,
    source,
    filename: source === '' ? '' : basename(source.replace(/[?#].*$/, '')),
    duration: rows.reduce((latest, row) => Math.max(latest, row.end_sec), 0),
    embedding_options: distinctSorted(rows.map((row) => row.embedding_option)),
    embedding_scopes: distinctSorted(rows.map((row) => row.embedding_scope)),
    metadata: metadataObject(first?.metadata ?? '{}'),
    updated_at: updatedAt.toISOString(),
    segments: segments.sort(
      (a, b) => compareText(a.embedding_option, b.embedding_option) || a.start - b.start || a.label - b.label,
    ),
  };
}

function metadataObject(text: string): Metadata {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
}

function distinctSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareText);
}

function compareFirst(a: SegmentRow, b: SegmentRow): number {
  return (
    a.start_sec - b.start_sec ||
    compareText(a.embedding_option, b.embedding_option) ||
    compareText(a.embedding_scope, b.embedding_scope) ||
    a.end_sec - b.end_sec
  );
}

function segmentOf(row: SegmentRow, label: number, dimension: number): VideoSegment {
  const segment: VideoSegment = {
    start: row.start_sec,
    end: row.end_sec,
    embedding_option: row.embedding_option,
    embedding_scope: row.embedding_scope,
    label,
  };
  if (row.vector !== null) {
    const vector = new Float32Array(dimension);
    vectorFromSend(row.vector, dimension, vector, 0);
    segment.vector = Array.from(vector);
  }
  return segment;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
