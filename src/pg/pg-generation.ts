import { InputError } from '../errors.js';
import { LabelFacts } from '../query/label-facts.js';
import { collectLabelFacts, type FactsRows, type LabelFactsData } from '../query/label-facts-data.js';
import type { StringColumn } from '../store/columns.js';
import { DEFAULT_INDEX_SETTINGS, emptyManifest, type IndexSettings, type Manifest } from '../store/manifest.js';
import type { Queryable } from './queryable.js';
import { KEY_COLUMNS, KEY_ORDER, type KeyRow, keyText } from './segment-key.js';
import type { PgTarget } from './target.js';

interface LibraryRow {
  /** Null in a library created empty, until its first write. */
  model: string | null;
  dimension: number | null;
  hnsw_m: number;
  hnsw_ef_construction: number;
  generation: string;
  index_settings: IndexSettings | null;
  created_at: Date;
}

interface SegmentRow extends KeyRow {
  source: string;
  metadata: string;
}

/** One generation of a PostgreSQL library as searches see it: a label is a segment's place in primary-key order. */
export interface PgGeneration {
  manifest: Manifest;
  facts: LabelFacts;
  /** keyText of a segment -> its label. */
  labels: ReadonlyMap<string, number>;
  keys: readonly KeyRow[];
}

/** The library's generation number (bumped by every write), or an InputError when the database has no such library. */
export async function currentGeneration(db: Queryable, target: PgTarget): Promise<number> {
  const { rows } = await db.query('SELECT generation FROM vsearch_libraries WHERE library = $1', [target.library]);
  const [row] = rows as { generation: string }[];
  if (row === undefined) throw missingLibrary(target);
  return Number(row.generation);
}

/**
 * Reads the library's row and every segment's facts (not its vector) in one snapshot of the
 * database, so the facts and the generation they carry agree.
 */
export async function loadGeneration(db: Queryable, target: PgTarget): Promise<PgGeneration> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const library = await db.query(
      'SELECT model, dimension, hnsw_m, hnsw_ef_construction, generation, index_settings, created_at FROM vsearch_libraries WHERE library = $1',
      [target.library],
    );
    const [row] = library.rows as LibraryRow[];
    if (row === undefined) throw missingLibrary(target);
    const segments = await db.query(
      `SELECT ${KEY_COLUMNS}, source, metadata::text AS metadata FROM vsearch_segments WHERE library = $1 ORDER BY ${KEY_ORDER}`,
      [target.library],
    );
    await db.query('COMMIT');
    return await generationOf(target.library, row, segments.rows as SegmentRow[]);
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function generationOf(library: string, row: LibraryRow, segments: SegmentRow[]): Promise<PgGeneration> {
  const count = segments.length;
  const videos: Manifest['videos'] = {};
  const labels = new Map<string, number>();
  segments.forEach((segment, label) => {
    labels.set(keyText(segment), label);
    const video = (videos[segment.video_id] ??= { segments: 0, durationSec: 0 });
    video.segments++;
    video.durationSec = Math.max(video.durationSec, segment.end_sec);
  });
  const settings = row.index_settings ?? {
    ...DEFAULT_INDEX_SETTINGS,
    M: row.hnsw_m,
    efConstruction: row.hnsw_ef_construction,
  };
  const manifest: Manifest = {
    ...emptyManifest(library, row.created_at, settings),
    model: row.model,
    dimension: row.dimension,
    generation: Number(row.generation),
    nextLabel: count,
    counts: { segments: count, videos: Object.keys(videos).length },
    videos,
  };
  const facts = LabelFacts.over(manifest, await collectFacts(segments, row.dimension ?? 0));
  return { manifest, facts, labels, keys: segments };
}

function collectFacts(segments: readonly SegmentRow[], dimension: number): Promise<LabelFactsData> {
  const columns: Partial<Record<StringColumn, (row: SegmentRow) => string>> = {
    video_id: (row) => row.video_id,
    embedding_option: (row) => row.embedding_option,
    embedding_scope: (row) => row.embedding_scope,
    source: (row) => row.source,
    metadata: (row) => row.metadata,
  };
  const rows: FactsRows = {
    name: 'postgres',
    count: segments.length,
    labels: Uint32Array.from(segments.keys()),
    startSec: Float64Array.from(segments, (row) => row.start_sec),
    endSec: Float64Array.from(segments, (row) => row.end_sec),
    string: (column, row) => {
      const segment = segments[row];
      return segment === undefined ? '' : (columns[column]?.(segment) ?? '');
    },
  };
  return collectLabelFacts([rows], segments.length, dimension);
}

function missingLibrary(target: PgTarget): InputError {
  return new InputError(
    `${target.shown} holds no library ${target.library}; fill it with \`vsearch sync --from DIR --to URL\``,
  );
}
