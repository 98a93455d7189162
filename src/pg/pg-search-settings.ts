import { InputError } from '../errors.js';
import { DEFAULT_INDEX_SETTINGS, type IndexSettings } from '../store/manifest.js';
import { PG_MAX_EF_SEARCH } from './ef-search-limit.js';
import type { Queryable } from './queryable.js';
import type { PgTarget } from './target.js';

/** Throws unless `ef` is a search breadth pgvector accepts as hnsw.ef_search. */
export function assertPgSearchEf(ef: number): void {
  if (!Number.isInteger(ef) || ef < 1 || ef > PG_MAX_EF_SEARCH)
    throw new InputError(
      `ef must be an integer from 1 to ${PG_MAX_EF_SEARCH} (pgvector's hnsw.ef_search limit) on a PostgreSQL library, got ${String(ef)}`,
    );
}

interface SettingsRow {
  index_settings: IndexSettings | null;
  generation: string;
  hnsw_m: number;
  hnsw_ef_construction: number;
}

/**
 * Replaces the library's search settings (the ef, its calibration) with `change` of the
 * stored ones, and bumps its generation so every process's next search reads them. One
 * transaction, the row locked: two writers of settings apply one after the other, and a
 * failure leaves the old settings whole. With `ifGeneration` (what a calibration measured),
 * nothing is written and undefined returned when the library is at another generation now.
 */
export async function updatePgIndexSettings(
  client: Queryable,
  target: PgTarget,
  change: (settings: IndexSettings) => IndexSettings,
  ifGeneration?: number,
): Promise<IndexSettings | undefined> {
  await client.query('BEGIN');
  try {
    const found = await client.query(
      'SELECT index_settings, hnsw_m, hnsw_ef_construction, generation FROM vsearch_libraries WHERE library = $1 FOR UPDATE',
      [target.library],
    );
    const [row] = found.rows as SettingsRow[];
    if (row === undefined)
      throw new InputError(
        `${target.shown} holds no library ${target.library}; fill it with \`vsearch sync --from DIR --to URL\``,
      );
    if (ifGeneration !== undefined && Number(row.generation) !== ifGeneration) {
      await client.query('ROLLBACK');
      return undefined;
    }
    const settings = change(
      row.index_settings ?? { ...DEFAULT_INDEX_SETTINGS, M: row.hnsw_m, efConstruction: row.hnsw_ef_construction },
    );
    await client.query(
      'UPDATE vsearch_libraries SET index_settings = $2::jsonb, generation = generation + 1 WHERE library = $1',
      [target.library, JSON.stringify(settings)],
    );
    await client.query('COMMIT');
    return settings;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
