import { InputError } from '../errors.js';
import { PG_MAX_EF_SEARCH } from '../pg/ef-search-limit.js';
import type { PgRecallSource } from '../pg/pg-recall-source.js';
import type { PgSearchStorage } from '../pg/pg-search-storage.js';
import { kindFor } from './index-sync.js';
import type { RecallProbe, StoredRows } from './recall-probe.js';

/**
 * A PostgreSQL library's probe: HNSW searches through pgvector with `SET LOCAL hnsw.ef_search`
 * (at most PG_MAX_EF_SEARCH), the ground truth by an SQL scan that no index serves. The searches
 * read the database as it is, so `generation` (the newest one's, which the labels are of) is
 * what a measurement describes only while the library stays there.
 */
export async function pgRecallProbe(storage: PgSearchStorage): Promise<{ probe: RecallProbe; generation: number }> {
  const source = await storage.recallSource();
  const { shown } = storage.target;
  if (source === undefined)
    throw new InputError(`the library ${shown} is empty: sync or build segments into it before calibrating recall`);
  return { probe: probeOf(source, shown), generation: source.manifest.generation };
}

function probeOf(source: PgRecallSource, shown: string): RecallProbe {
  const { manifest, index } = source;
  return {
    where: shown,
    dimension: manifest.dimension ?? 0,
    segments: manifest.counts.segments,
    kind: kindFor(manifest),
    exactBelow: manifest.index.exactBelow,
    maxEf: PG_MAX_EF_SEARCH,
    rebuildHint: `sync a folder library built with a larger \`index.M\` or \`index.efConstruction\` (such as 32 and 200) into a new library name than ${shown}`,
    searchAt: async (query, k, ef) => (await index.nearest(query, k, ef)).labels,
    exactTopK: async (query, k) => (await index.nearest(query, k, 'exact')).labels,
    storedRows: async () => [storedRowsOf(await source.vectors(), manifest.dimension ?? 0)],
  };
}

function storedRowsOf(vectors: Float32Array, dimension: number): StoredRows {
  const count = dimension === 0 ? 0 : vectors.length / dimension;
  return {
    count,
    labels: Uint32Array.from({ length: count }, (_, label) => label),
    vector: (row) => vectors.subarray(row * dimension, (row + 1) * dimension),
  };
}
