import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR } from '../store/query-cache.js';
import { QUERY_MODALITIES, type QueryModality } from '../store/index.js';
import { unitCopy } from '../vector/normalize.js';
import type { CalibrationQuery } from './calibrate-recall.js';

/**
 * The query embeddings in a library's cache that `model` made, with their modality, for
 * recall calibration. Reads the cache files directly (their schema metadata names model and
 * modality); a file it cannot read is listed in `unreadable` and left out (the cache only holds copies of API answers).
 * (To become a thin wrapper of the cache's own listing once it has one.)
 */
export async function cachedCalibrationQueries(libraryDir: string, model: string | null, dimension: number | null): Promise<{ queries: CalibrationQuery[]; unreadable: string[] }> {
  const dir = join(libraryDir, CACHE_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.arrow')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { queries: [], unreadable: [] };
    throw error;
  }
  const unreadable: string[] = [];
  if (names.length === 0 || model === null) return { queries: [], unreadable };
  const { tableFromIPC } = await import('apache-arrow');
  const queries: CalibrationQuery[] = [];
  for (const name of names) {
    try {
      const table = tableFromIPC(await readFile(join(dir, name)));
      const metadata = table.schema.metadata;
      const modality = metadata.get('modality');
      if (metadata.get('model') !== model || !isModality(modality)) continue;
      const data = table.getChild('vector')?.data[0];
      const values = data?.children[0]?.values;
      const size = data?.type.listSize;
      if (!(values instanceof Float32Array) || typeof size !== 'number' || (dimension !== null && size !== dimension)) continue;
      queries.push({ modality, vector: unitCopy(values.slice(0, size)) });
    } catch {
      unreadable.push(join(dir, name));
    }
  }
  return { queries, unreadable };
}

function isModality(value: string | undefined): value is QueryModality {
  return (QUERY_MODALITIES as readonly (string | undefined)[]).includes(value);
}
