import { InputError } from '../errors.js';
import { type SegmentRows, SegmentStore, selectRows } from '../store/index.js';
import { connectPg, type PgClient, pgError } from './connect.js';
import { SEGMENT_COLUMNS, type SegmentRow, segmentRows } from './pg-segment-rows.js';
import type { SyncSummary } from './sync-to-pg.js';
import type { PgTarget } from './target.js';
import { digestsByVideo } from './video-digest.js';

export interface PgToFolderOptions {
  /** About how many segments one folder commit holds (whole videos; default 20,000). */
  batchSegments?: number;
  /** Called after each commit with the videos it wrote. */
  onBatch?: (videoIds: readonly string[]) => void;
}

interface PgLibrary {
  /** Null in a library created empty, until its first write. */
  model: string | null;
  dimension: number | null;
  M: number;
  efConstruction: number;
}

interface HeldVideo {
  videoId: string;
  digest: string;
  segments: number;
}

const PAGE_ROWS = 2_000;
const DEFAULT_BATCH_SEGMENTS = 20_000;
const UNDEFINED_TABLE = '42P01';

/**
 * Copies a PostgreSQL library's videos into a folder library: only those the folder lacks or
 * holds with other segments (compared by digest). Videos are read in batches, each in one
 * REPEATABLE READ transaction (a concurrent writer cannot tear it), and each batch is committed
 * to the folder in one write under its lock: a changed video is removed, then added again. A
 * killed sync rerun finds the committed batches by digest and copies only the rest.
 */
export async function syncPgToFolder(
  target: PgTarget,
  dir: string,
  options: PgToFolderOptions = {},
): Promise<SyncSummary> {
  const client = await connectPg(target);
  try {
    const library = await pgLibrary(client, target);
    const store = await SegmentStore.open(dir, {
      create: true,
      index: { M: library.M, efConstruction: library.efConstruction },
    });
    // Created empty and never written: there is nothing to copy.
    if (library.model === null || library.dimension === null) return { videos: 0, segments: 0, unchanged: 0 };
    const libraryModel = library.model;
    const { model, dimension } = store.manifest;
    if ((model !== null && model !== library.model) || (dimension !== null && dimension !== library.dimension)) {
      throw new InputError(
        `library ${dir} holds ${model} (${dimension}-d) segments and ${target.shown} holds ${library.model} (${library.dimension}-d); sync into another folder`,
      );
    }
    const inFolder = await folderDigests(store);
    const held = await client.query<{ video_id: string; digest: string; segments: number }>(
      'SELECT video_id, digest, segments FROM vsearch_videos WHERE library = $1 ORDER BY video_id',
      [target.library],
    );
    const summary: SyncSummary = { videos: 0, segments: 0, unchanged: 0 };
    const wanted: HeldVideo[] = [];
    for (const row of held.rows) {
      if (inFolder.get(row.video_id) === row.digest) summary.unchanged++;
      else wanted.push({ videoId: row.video_id, digest: row.digest, segments: row.segments });
    }
    for (const batch of batches(wanted, options.batchSegments ?? DEFAULT_BATCH_SEGMENTS)) {
      const read = await readVideos(client, target.library, library.dimension, batch);
      // A digest stored in an older form, or a video rewritten since the listing: the rows decide.
      const fresh = read.videoIds.filter((id) => read.digests.get(id) !== inFolder.get(id));
      summary.unchanged += read.videoIds.length - fresh.length;
      if (fresh.length === 0) continue;
      const keep = new Set(fresh);
      const rows =
        fresh.length === read.videoIds.length
          ? read.rows
          : segmentRows(
              read.pages.filter((p) => keep.has(p.video_id)),
              library.dimension,
            );
      await store.write(async () => {
        for (const id of fresh) if (store.manifest.videos[id] !== undefined) await store.removeVideo(id);
        await store.append(rows, libraryModel);
      });
      summary.videos += fresh.length;
      summary.segments += rows.count;
      options.onBatch?.(fresh);
    }
    return summary;
  } catch (error) {
    throw pgError(error, target, 'syncing from');
  } finally {
    await client.end().catch(() => {});
  }
}

async function pgLibrary(client: PgClient, target: PgTarget): Promise<PgLibrary> {
  const missing = new InputError(
    `${target.shown} holds no library ${JSON.stringify(target.library)}; check the library parameter`,
  );
  try {
    const found = await client.query<{
      model: string | null;
      dimension: number | null;
      hnsw_m: number;
      hnsw_ef_construction: number;
    }>('SELECT model, dimension, hnsw_m, hnsw_ef_construction FROM vsearch_libraries WHERE library = $1', [
      target.library,
    ]);
    const row = found.rows[0];
    if (row === undefined) throw missing;
    return { model: row.model, dimension: row.dimension, M: row.hnsw_m, efConstruction: row.hnsw_ef_construction };
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === UNDEFINED_TABLE) throw missing;
    throw error;
  }
}

/** Every folder video's digest, from one pass over the segment files. */
async function folderDigests(store: SegmentStore): Promise<Map<string, string>> {
  const files = await store.allFiles();
  return digestsByVideo(
    files.map(
      (file) =>
        selectRows(
          file,
          Array.from({ length: file.count }, (_, i) => i),
        ).rows,
    ),
  );
}

/** Whole videos, about `segments` segments a batch, at least one video each. */
function* batches(videos: readonly HeldVideo[], segments: number): Generator<HeldVideo[]> {
  let batch: HeldVideo[] = [];
  let size = 0;
  for (const video of videos) {
    if (batch.length > 0 && size + video.segments > segments) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(video);
    size += video.segments;
  }
  if (batch.length > 0) yield batch;
}

const KEY = '(video_id, embedding_option, embedding_scope, start_sec, end_sec)';

/**
 * The videos' segments as of one snapshot (REPEATABLE READ, read only), paged by key, and the
 * digest of each video's rows as read. Videos gone since the listing are left out.
 */
async function readVideos(
  client: PgClient,
  library: string,
  dimension: number,
  videos: readonly HeldVideo[],
): Promise<{ videoIds: string[]; pages: SegmentRow[]; rows: SegmentRows; digests: Map<string, string> }> {
  const ids = videos.map((video) => video.videoId);
  const pages: SegmentRow[] = [];
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    let after: SegmentRow | undefined;
    for (;;) {
      const page = await client.query<SegmentRow>(
        after === undefined
          ? `SELECT ${SEGMENT_COLUMNS} FROM vsearch_segments WHERE library = $1 AND video_id = ANY($2) ORDER BY ${KEY} LIMIT ${PAGE_ROWS}`
          : `SELECT ${SEGMENT_COLUMNS} FROM vsearch_segments WHERE library = $1 AND video_id = ANY($2) AND ${KEY} > ($3, $4, $5, $6, $7) ORDER BY ${KEY} LIMIT ${PAGE_ROWS}`,
        after === undefined
          ? [library, ids]
          : [
              library,
              ids,
              after.video_id,
              after.embedding_option,
              after.embedding_scope,
              after.start_sec,
              after.end_sec,
            ],
      );
      pages.push(...page.rows);
      after = page.rows.at(-1);
      if (page.rows.length < PAGE_ROWS) break;
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  const rows = segmentRows(pages, dimension);
  const digests = digestsByVideo([rows]);
  return { videoIds: ids.filter((id) => digests.has(id)), pages, rows, digests };
}
