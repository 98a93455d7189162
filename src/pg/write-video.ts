import { concatRows, lastOfEachIdentity, type SegmentRows } from '../store/index.js';
import { type BulkLoader, copyRows } from './bulk-load.js';
import type { PgClient } from './connect.js';
import { bumpGeneration } from './library-row.js';
import { SEGMENT_COLUMNS, type SegmentRow, segmentRows } from './pg-segment-rows.js';
import { videoDigest } from './video-digest.js';

const BATCH_ROWS = 500;

const COLUMNS =
  'library, video_id, embedding_option, embedding_scope, start_sec, end_sec, source, content_sha256, modality, model_name, metadata, embedding';
const UNNEST =
  'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[], $12::vector[])';
const IDENTITY = 'library, video_id, embedding_option, embedding_scope, start_sec, end_sec';
const UPDATED = ['source', 'content_sha256', 'modality', 'model_name', 'metadata', 'embedding']
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

/**
 * Replaces one video's segments in one transaction: staged into a temporary table (by COPY or
 * batched INSERTs, see bulk-load.ts), then upserted on the segment identity and the video's other segments deleted. Readers see the
 * old set or the new one, never a part; a rerun or a concurrent writer leaves each segment once.
 */
export async function writePgVideo(
  client: PgClient,
  library: string,
  videoId: string,
  rows: SegmentRows,
  digest: string,
  loader: BulkLoader = 'insert',
): Promise<void> {
  await client.query('BEGIN');
  try {
    await replaceVideoRows(client, library, videoId, rows, digest, loader);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Adds a build's segments to a video as a folder import does: a stored segment of the same
 * identity is replaced, the video's other stored segments are kept. One transaction holding the
 * video's row (a placeholder while the video is new), so a concurrent writer of the same video
 * waits and merges with this write; false when the merged set is the one the database holds
 * (nothing written, no new generation).
 */
export async function mergePgVideo(
  client: PgClient,
  library: string,
  videoId: string,
  rows: SegmentRows,
  loader: BulkLoader = 'insert',
): Promise<{ written: boolean; segments: number }> {
  await client.query('BEGIN');
  try {
    // A video not written yet has no row to lock: this placeholder (seen by no one until commit)
    // makes a concurrent first writer of it wait, then merge with what this one wrote.
    await client.query(
      "INSERT INTO vsearch_videos (library, video_id, segments, digest) VALUES ($1, $2, 0, '') ON CONFLICT (library, video_id) DO NOTHING",
      [library, videoId],
    );
    const held = await client.query<{ digest: string }>(
      'SELECT digest FROM vsearch_videos WHERE library = $1 AND video_id = $2 FOR UPDATE',
      [library, videoId],
    );
    const stored = await client.query<SegmentRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM vsearch_segments WHERE library = $1 AND video_id = $2`,
      [library, videoId],
    );
    const merged =
      stored.rows.length === 0
        ? rows
        : lastOfEachIdentity(concatRows([segmentRows(stored.rows, rows.dimension), rows]));
    const digest = videoDigest(merged);
    if (held.rows[0]?.digest === digest) {
      await client.query('ROLLBACK');
      return { written: false, segments: merged.count };
    }
    await replaceVideoRows(client, library, videoId, merged, digest, loader);
    await client.query('COMMIT');
    return { written: true, segments: merged.count };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The body of a video's write, inside the caller's transaction. */
async function replaceVideoRows(
  client: PgClient,
  library: string,
  videoId: string,
  rows: SegmentRows,
  digest: string,
  loader: BulkLoader,
): Promise<void> {
  await client.query('CREATE TEMP TABLE vsearch_staging (LIKE vsearch_segments) ON COMMIT DROP');
  if (loader === 'copy') await copyRows(client, 'vsearch_staging', COLUMNS, library, videoId, rows);
  else await insertRows(client, library, videoId, rows);
  await client.query(
    'INSERT INTO vsearch_videos (library, video_id, segments, digest) VALUES ($1, $2, $3, $4) ON CONFLICT (library, video_id) DO UPDATE SET segments = EXCLUDED.segments, digest = EXCLUDED.digest, updated_at = now()',
    [library, videoId, rows.count, digest],
  );
  await client.query(
    `INSERT INTO vsearch_segments (${COLUMNS}) SELECT ${COLUMNS} FROM vsearch_staging ON CONFLICT (${IDENTITY}) DO UPDATE SET ${UPDATED}`,
  );
  await client.query(
    `DELETE FROM vsearch_segments s WHERE s.library = $1 AND s.video_id = $2 AND NOT EXISTS (SELECT 1 FROM vsearch_staging t WHERE (t.embedding_option, t.embedding_scope, t.start_sec, t.end_sec) = (s.embedding_option, s.embedding_scope, s.start_sec, s.end_sec))`,
    [library, videoId],
  );
  await bumpGeneration(client, library);
}

async function insertRows(client: PgClient, library: string, videoId: string, rows: SegmentRows): Promise<void> {
  for (let start = 0; start < rows.count; start += BATCH_ROWS) {
    await client.query(
      `INSERT INTO vsearch_staging (${COLUMNS}) SELECT * FROM ${UNNEST}`,
      batchParameters(library, videoId, rows, start, Math.min(rows.count, start + BATCH_ROWS)),
    );
  }
}

function batchParameters(library: string, videoId: string, rows: SegmentRows, start: number, end: number): unknown[] {
  const n = end - start;
  const vectors: string[] = [];
  for (let row = start; row < end; row++)
    vectors.push(`[${Array.from(rows.vectors.subarray(row * rows.dimension, (row + 1) * rows.dimension)).join(',')}]`);
  const slice = <T>(column: ArrayLike<T>): T[] => Array.from({ length: n }, (_, i) => column[start + i] as T);
  return [
    Array<string>(n).fill(library),
    Array<string>(n).fill(videoId),
    slice(rows.embeddingOption),
    slice(rows.embeddingScope),
    slice(rows.startSec),
    slice(rows.endSec),
    slice(rows.source),
    slice(rows.contentSha256),
    slice(rows.modality),
    slice(rows.modelName),
    slice(rows.metadata),
    vectors,
  ];
}
