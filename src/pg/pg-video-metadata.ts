import { bumpGeneration } from './library-row.js';
import { SEGMENT_COLUMNS, type SegmentRow, segmentRows } from './pg-segment-rows.js';
import { noSuchVideo } from './pg-videos.js';
import type { Queryable } from './queryable.js';
import { videoDigest } from './video-digest.js';

/**
 * Rewrites the metadata of each segment of a video with `update` (its stored text in, the new
 * JSON text out) in one transaction that holds the video's row, so a concurrent writer of the
 * video waits. Where some segment changes, the video's digest (which covers metadata) and
 * updated_at are rewritten and the generation bumped: every reader's next search sees the new
 * metadata. The number of segments changed (0: nothing written, no new generation). An unknown
 * video is an InputError, and an `update` that throws writes nothing. `db` must be one connection.
 */
export async function updatePgVideoMetadata(
  db: Queryable,
  library: string,
  videoId: string,
  update: (metadata: string) => string,
): Promise<number> {
  await db.query('BEGIN');
  try {
    const held = await db.query('SELECT 1 FROM vsearch_videos WHERE library = $1 AND video_id = $2 FOR UPDATE', [
      library,
      videoId,
    ]);
    if (held.rows.length === 0) throw noSuchVideo(videoId);
    const stored = await db.query(
      'SELECT embedding_option, embedding_scope, start_sec, end_sec, metadata::text AS metadata FROM vsearch_segments WHERE library = $1 AND video_id = $2',
      [library, videoId],
    );
    const rows = stored.rows as {
      embedding_option: string;
      embedding_scope: string;
      start_sec: number;
      end_sec: number;
      metadata: string;
    }[];
    // Every new text is made before anything is written: a patch that fails for one segment writes nothing.
    const updated = rows.map((row) => update(row.metadata));
    const changed = await db.query(
      `UPDATE vsearch_segments s SET metadata = u.metadata
       FROM unnest($3::text[], $4::text[], $5::float8[], $6::float8[], $7::jsonb[]) AS u(embedding_option, embedding_scope, start_sec, end_sec, metadata)
       WHERE s.library = $1 AND s.video_id = $2 AND (s.embedding_option, s.embedding_scope, s.start_sec, s.end_sec) = (u.embedding_option, u.embedding_scope, u.start_sec, u.end_sec)
         AND s.metadata IS DISTINCT FROM u.metadata
       RETURNING 1`,
      [
        library,
        videoId,
        rows.map((row) => row.embedding_option),
        rows.map((row) => row.embedding_scope),
        rows.map((row) => row.start_sec),
        rows.map((row) => row.end_sec),
        updated,
      ],
    );
    if (changed.rows.length === 0) {
      await db.query('ROLLBACK');
      return 0;
    }
    await db.query('UPDATE vsearch_videos SET digest = $3, updated_at = now() WHERE library = $1 AND video_id = $2', [
      library,
      videoId,
      await digestOf(db, library, videoId),
    ]);
    await bumpGeneration(db, library);
    await db.query('COMMIT');
    return changed.rows.length;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The digest of the video's segments as the transaction now sees them. */
async function digestOf(db: Queryable, library: string, videoId: string): Promise<string> {
  const dimension = await db.query('SELECT dimension FROM vsearch_libraries WHERE library = $1', [library]);
  const segments = await db.query(
    `SELECT ${SEGMENT_COLUMNS} FROM vsearch_segments WHERE library = $1 AND video_id = $2`,
    [library, videoId],
  );
  const [row] = dimension.rows as { dimension: number }[];
  return videoDigest(segmentRows(segments.rows as SegmentRow[], row?.dimension ?? 0));
}
