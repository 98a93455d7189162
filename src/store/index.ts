export { writeFileAtomic } from './atomic-write.js';
export { JOURNAL_DIR, type JournalEntry, TaskJournal } from './journal.js';
export { acquireWriteLock, DEFAULT_LOCK_TIMEOUT_MS, LOCK_FILE, type WriteLockOptions } from './library-lock.js';
export {
  type CalibrationSource,
  DEFAULT_INDEX_SETTINGS,
  type ImportRecord,
  type IndexSettings,
  MANIFEST_FILE,
  type Manifest,
  type ModalityCalibration,
  type RecallCalibrationRecord,
  type RetiredFile,
  readManifest,
  type SegmentFileEntry,
  type VideoSummary,
} from './manifest.js';
export { manifestProblems, segmentFileProblems } from './manifest-checks.js';
export {
  type CacheEntry,
  type CacheFilter,
  type CacheLookup,
  type DamagedCacheFile,
  QueryCache,
  type QueryKey,
  sha256Hex,
} from './query-cache.js';
export { readSegmentBytes } from './read-segment-bytes.js';
export {
  type ManifestRecovery,
  type RecoveredFile,
  recoverManifest,
  SET_ASIDE_DIR,
  type SetAsideFile,
} from './recover-manifest.js';
export { COLUMNS, FORMAT_VERSION, type StringColumn, segmentSchema } from './schema.js';
export {
  defaultSearchEf,
  isCrossModal,
  QUERY_MODALITIES,
  type QueryModality,
  searchEf,
  searchEfOf,
} from './search-ef.js';
export { decodeSegmentFile, encodeSegmentFile, readSegmentFile, SegmentFile } from './segment-file.js';
export { DEFAULT_SEGMENT_FILE_BYTES, DEFAULT_SEGMENT_FILE_ROWS } from './segment-file-cap.js';
export { lastOfEachIdentity } from './segment-identity.js';
export { type RowOrigin, type SegmentRowInput, type SegmentRows, SegmentRowsBuilder } from './segment-rows.js';
export {
  type AppendExtras,
  type OpenStoreOptions,
  RETIRED_GRACE_MS,
  SEGMENTS_DIR,
  type SegmentLocation,
  SegmentStore,
} from './segment-store.js';
export { concatRows, selectRows } from './select-rows.js';
export { type SegmentFileCheck, verifySegmentFiles } from './verify-segment-files.js';
export type { VideoMedia } from './video-facts.js';
