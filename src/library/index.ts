export { Library, openLibrary, type OpenLibraryOptions, type ImportOptions, type ImportSummary, type CallOptions } from './library.js';
export type { LibraryStats } from './stats.js';
export type { MemoryNeeds } from './capacity.js';
export { runDoctor } from './doctor.js';
export type { DoctorChecked, DoctorOptions, DoctorProblem, DoctorProblemKind, DoctorReport } from './doctor-report.js';
export { CALIBRATION_EFS, type CalibrateRecallOptions, type CalibrationPoint, type RecallCalibration } from './calibrate-recall.js';
export type { GetVideoOptions, MetadataPatch, VideoDetail, VideoInfo, VideoSegment } from './videos.js';
export { LibraryRoot, openLibraryRoot, type CreateIndexRequest, type RootIndex } from './library-root.js';
export { apiModelName, type IndexInfo, type IndexModel } from './index-info.js';
