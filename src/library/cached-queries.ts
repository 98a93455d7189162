import type { QueryCache } from '../store/query-cache.js';
import { QUERY_MODALITIES, type QueryModality } from '../store/search-ef.js';
import { unitCopy } from '../vector/normalize.js';
import type { CalibrationQuery } from './calibrate-recall.js';

/**
 * The query embeddings in a library's cache that `model` made, with their modality, for
 * recall calibration: the cache's own sound entries (checksums checked). A damaged file is
 * listed in `unreadable` and left out (the cache only holds copies of API answers).
 */
export async function cachedCalibrationQueries(
  cache: QueryCache,
  model: string | null,
  dimension: number | null,
): Promise<{ queries: CalibrationQuery[]; unreadable: string[] }> {
  const unreadable: string[] = [];
  if (model === null) return { queries: [], unreadable };
  const entries = await cache.entries({ onDamaged: (damaged) => unreadable.push(damaged.file) });
  const queries: CalibrationQuery[] = [];
  for (const { key, vector } of entries) {
    if (key.model !== model || !isModality(key.modality) || (dimension !== null && vector.length !== dimension))
      continue;
    queries.push({ modality: key.modality, vector: unitCopy(vector) });
  }
  return { queries, unreadable };
}

function isModality(value: string): value is QueryModality {
  return (QUERY_MODALITIES as readonly string[]).includes(value);
}
