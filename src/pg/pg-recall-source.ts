import type { Manifest } from '../store/manifest.js';
import type { PgIndex } from './pg-index.js';

/** One generation of a PostgreSQL library as recall calibration and `vsearch bench` measure it. */
export interface PgRecallSource {
  manifest: Readonly<Manifest>;
  /** Its pgvector HNSW index at any ef, and the exact scan that bypasses it (PgIndex.nearest). */
  index: PgIndex;
  /** Every stored vector, flat by label. */
  vectors(): Promise<Float32Array>;
}
