import type { PgProblemKind } from '../pg/pg-doctor.js';

/** What `vsearch doctor` can find. Store problems are the source of truth's; the others are derived files, rebuilt by repair. */
export type DoctorProblemKind =
  | 'manifest-missing'
  | 'manifest-damaged'
  | 'manifest-inconsistent'
  | 'segment-missing'
  | 'segment-unreadable'
  | 'segment-mismatch'
  | 'segment-checksum'
  | 'segment-vectors'
  | 'index-missing'
  | 'index-stale'
  | 'sidecar-damaged'
  | 'graph-damaged'
  | 'index-mismatch'
  | 'facts-missing'
  | 'facts-stale'
  | 'facts-damaged'
  | 'facts-wrong'
  | 'video-facts-damaged'
  | PgProblemKind;

export interface DoctorProblem {
  /** The file, relative to the library folder. */
  file: string;
  kind: DoctorProblemKind;
  /** What is wrong and what it means for searches. */
  message: string;
  repaired: boolean;
}

export interface DoctorChecked {
  manifest: boolean;
  segmentFiles: number;
  segments: number;
  /** The ANN index the library uses at its size: only an HNSW library has a graph file to check. */
  index: 'hnsw' | 'exact' | 'none';
  graph: boolean;
  facts: boolean;
}

export interface DoctorReport {
  /** No problem left (none found, or every one repaired). */
  healthy: boolean;
  problems: DoctorProblem[];
  checked: DoctorChecked;
}

export interface DoctorOptions {
  /** Rebuild damaged, stale or missing derived files (the index/ folder) from the store. */
  repair?: boolean | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

const DERIVED: ReadonlySet<DoctorProblemKind> = new Set([
  'index-missing',
  'index-stale',
  'sidecar-damaged',
  'graph-damaged',
  'index-mismatch',
  'facts-missing',
  'facts-stale',
  'facts-damaged',
  'facts-wrong',
  'video-facts-damaged',
]);

export function isDerivedProblem(kind: DoctorProblemKind): boolean {
  return DERIVED.has(kind);
}

export function isFactsProblem(kind: DoctorProblemKind): boolean {
  return kind.startsWith('facts-');
}
