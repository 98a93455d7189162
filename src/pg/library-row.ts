import { InputError } from '../errors.js';
import { sha256Hex } from '../store/index.js';
import type { IndexSettings } from '../store/manifest.js';
import type { PgClient } from './connect.js';
import type { Queryable } from './queryable.js';

/** The first key of each library's advisory lock (the second is the name's hash). */
const LIBRARY_LOCK = 7_340_015;

export interface PgLibrarySettings {
  model: string;
  dimension: number;
  /** The folder's index settings: M and efConstruction build the HNSW index, the rest choose each search's ef. */
  index: IndexSettings;
}

/**
 * Registers the library (or checks it holds the same model and dimension, or sets them on a
 * library created empty) and creates its HNSW index: cosine over the vectors cast to the
 * library's dimension, only its rows, with the M and ef_construction it was created with.
 * One transaction: a refused library leaves nothing written.
 */
export async function ensurePgLibrary(client: PgClient, library: string, settings: PgLibrarySettings): Promise<void> {
  await client.query('BEGIN');
  try {
    // Two syncs creating one library's index at once would collide on its name in pg_class.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LIBRARY_LOCK, library]);
    await client.query(
      'INSERT INTO vsearch_libraries (library, model, dimension, hnsw_m, hnsw_ef_construction) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (library) DO NOTHING',
      [library, settings.model, settings.dimension, settings.index.M, settings.index.efConstruction],
    );
    const found = await client.query<{
      model: string | null;
      dimension: number | null;
      hnsw_m: number;
      hnsw_ef_construction: number;
    }>('SELECT model, dimension, hnsw_m, hnsw_ef_construction FROM vsearch_libraries WHERE library = $1 FOR UPDATE', [
      library,
    ]);
    const row = found.rows[0];
    if (row === undefined) throw new InputError(`library ${library} vanished while it was being registered; run again`);
    if (row.model === null) {
      // Created empty: its first write decides the model and dimension (a new generation: searches read them).
      await client.query(
        'UPDATE vsearch_libraries SET model = $2, dimension = $3, generation = generation + 1 WHERE library = $1',
        [library, settings.model, settings.dimension],
      );
    } else if (row.model !== settings.model || row.dimension !== settings.dimension) {
      throw new InputError(
        `library ${library} in PostgreSQL holds ${row.model} (${row.dimension}-d) segments, not ${settings.model} (${settings.dimension}-d); sync into a library of another name`,
      );
    }
    const name = hnswIndexName(library);
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${name} ON vsearch_segments USING hnsw ((embedding::vector(${Math.trunc(settings.dimension)})) vector_cosine_ops) WITH (m = ${Math.trunc(row.hnsw_m)}, ef_construction = ${Math.trunc(row.hnsw_ef_construction)}) WHERE library = ${client.escapeLiteral(library)}`,
    );
    // New search settings (a calibration, setSearchEf) change what searches do: a new generation.
    await client.query(
      'UPDATE vsearch_libraries SET index_settings = $2::jsonb, generation = generation + 1 WHERE library = $1 AND index_settings IS DISTINCT FROM $2::jsonb',
      [library, JSON.stringify(settings.index)],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Registers an empty library (`openLibrary(url, { create: true })`): its index settings fixed,
 * its model and dimension unset until the first write (ensurePgLibrary). Nothing changes when
 * the library exists.
 */
export async function createEmptyPgLibrary(db: Queryable, library: string, index: IndexSettings): Promise<void> {
  await db.query(
    'INSERT INTO vsearch_libraries (library, hnsw_m, hnsw_ef_construction, index_settings) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (library) DO NOTHING',
    [library, index.M, index.efConstruction, JSON.stringify(index)],
  );
}

/** Marks a change of the library (inside the writer's transaction): searches rebuild their snapshot. */
export async function bumpGeneration(client: Queryable, library: string): Promise<void> {
  await client.query('UPDATE vsearch_libraries SET generation = generation + 1 WHERE library = $1', [library]);
}

export interface PgLibraryRow {
  /** Null (with the dimension) in a library created empty that no write has filled yet. */
  model: string | null;
  dimension: number | null;
  M: number;
  efConstruction: number;
  /** The search settings stored (null until a write, a calibration or setSearchEf stores them). */
  index: IndexSettings | null;
}

/** The library's row, or undefined when the database holds no such library (migrations are assumed run). */
export async function readPgLibrary(client: PgClient, library: string): Promise<PgLibraryRow | undefined> {
  const found = await client.query<{
    model: string | null;
    dimension: number | null;
    hnsw_m: number;
    hnsw_ef_construction: number;
    index_settings: IndexSettings | null;
  }>(
    'SELECT model, dimension, hnsw_m, hnsw_ef_construction, index_settings FROM vsearch_libraries WHERE library = $1',
    [library],
  );
  const row = found.rows[0];
  return row === undefined
    ? undefined
    : {
        model: row.model,
        dimension: row.dimension,
        M: row.hnsw_m,
        efConstruction: row.hnsw_ef_construction,
        index: row.index_settings,
      };
}

/** The name of the library's partial HNSW index. */
export function hnswIndexName(library: string): string {
  return `vsearch_hnsw_${sha256Hex(library).slice(0, 16)}`;
}
