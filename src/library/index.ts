export type { CalibrateRecallOptions, CalibrationPoint, RecallCalibration } from './calibrate-recall.js';
export { runDoctor } from './doctor.js';
export type { DoctorChecked, DoctorOptions, DoctorProblem, DoctorProblemKind, DoctorReport } from './doctor-report.js';
export { apiModelName, type IndexInfo, type IndexModel } from './index-info.js';
export {
  type CallOptions,
  type ImportOptions,
  type ImportSummary,
  isPgLibraryUrl,
  Library,
  type OpenLibraryOptions,
  openLibrary,
  type PgLibraryUrl,
} from './library.js';
export { type CreateIndexRequest, LibraryRoot, openLibraryRoot, type RootIndex } from './library-root.js';
export type { PgDoctorReport, PgLibrary } from './pg-library.js';
export type { LibraryStats } from './stats.js';
export type { GetVideoOptions, MetadataPatch, VideoDetail, VideoInfo, VideoSegment } from './videos.js';
