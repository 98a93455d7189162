export { SegmentStore, SEGMENTS_DIR, type OpenStoreOptions, type SegmentLocation } from './segment-store.js';
export { SegmentFile, decodeSegmentFile, encodeSegmentFile, readSegmentFile } from './segment-file.js';
export { SegmentRowsBuilder, type SegmentRows, type SegmentRowInput, type RowOrigin } from './segment-rows.js';
export { COLUMNS, FORMAT_VERSION, segmentSchema, type StringColumn } from './schema.js';
export { DEFAULT_INDEX_SETTINGS, MANIFEST_FILE, readManifest, type IndexSettings, type Manifest, type RecallCalibrationRecord, type SegmentFileEntry, type VideoSummary } from './manifest.js';
export { QueryCache, sha256Hex, type CacheEntry, type CacheFilter, type CacheLookup, type DamagedCacheFile, type QueryKey } from './query-cache.js';
export { writeFileAtomic, fsyncDirectory } from './atomic-write.js';
export { TaskJournal, JOURNAL_DIR, type JournalEntry } from './journal.js';
export { acquireWriteLock, LOCK_FILE } from './library-lock.js';
