import { InputError } from '../errors.js';
import { bumpGeneration } from './library-row.js';
import type { Queryable } from './queryable.js';

/** One video as the database summarises it: its counts from the segment rows, its first segment's source and metadata. */
export interface PgVideoRow {
  video_id: string;
  segments: number;
  duration: number;
  embedding_options: string[];
  embedding_scopes: string[];
  source: string;
  metadata: string;
  updated_at: Date;
}

/** Every video of the library, by id (`COLLATE "C"`: byte order, as a folder sorts). */
export async function listPgVideos(db: Queryable, library: string): Promise<PgVideoRow[]> {
  const result = await db.query(
    `SELECT v.video_id, s.segments, s.duration, s.embedding_options, s.embedding_scopes, coalesce(f.source, '') AS source, coalesce(f.metadata::text, '{}') AS metadata, v.updated_at
     FROM vsearch_videos v
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS segments, coalesce(max(end_sec), 0)::float8 AS duration,
              coalesce(array_agg(DISTINCT embedding_option) FILTER (WHERE embedding_option IS NOT NULL), '{}') AS embedding_options,
              coalesce(array_agg(DISTINCT embedding_scope) FILTER (WHERE embedding_scope IS NOT NULL), '{}') AS embedding_scopes
       FROM vsearch_segments WHERE library = v.library AND video_id = v.video_id) s
     LEFT JOIN LATERAL (
       SELECT source, metadata FROM vsearch_segments WHERE library = v.library AND video_id = v.video_id
       ORDER BY start_sec, embedding_option COLLATE "C", embedding_scope COLLATE "C", end_sec LIMIT 1) f ON true
     WHERE v.library = $1 ORDER BY v.video_id COLLATE "C"`,
    [library],
  );
  return result.rows as PgVideoRow[];
}

/**
 * Removes a video and its segments in one transaction (the segments go by the foreign key's
 * cascade) and bumps the generation; the number of segments it had. `db` must be one
 * connection (a client, not a pool). An unknown video is an InputError and changes nothing.
 */
export async function removePgVideo(db: Queryable, library: string, videoId: string): Promise<number> {
  await db.query('BEGIN');
  try {
    const counted = await db.query(
      'SELECT count(*)::int AS n FROM vsearch_segments WHERE library = $1 AND video_id = $2',
      [library, videoId],
    );
    const deleted = await db.query('DELETE FROM vsearch_videos WHERE library = $1 AND video_id = $2 RETURNING 1', [
      library,
      videoId,
    ]);
    if (deleted.rows.length === 0) throw noSuchVideo(videoId);
    await bumpGeneration(db, library);
    await db.query('COMMIT');
    return (counted.rows[0] as { n: number } | undefined)?.n ?? 0;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The error for a video id the library does not hold (the folder library's words). */
export function noSuchVideo(videoId: string): InputError {
  return new InputError(
    `no video ${JSON.stringify(videoId)} in this library; \`vsearch videos\` (listVideos) lists what it holds`,
  );
}
