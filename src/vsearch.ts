/** The public entry point of the vsearch package (docs/design.md section 6). */
export { openLibrary, Library, type OpenLibraryOptions, type ImportOptions, type ImportSummary, type CallOptions, type LibraryStats, type CalibrateRecallOptions, type CalibrationPoint, type RecallCalibration, runDoctor, type DoctorOptions, type DoctorProblem, type DoctorProblemKind, type DoctorReport, type DoctorChecked } from './library/index.js';
export type { GetVideoOptions, MetadataPatch, VideoDetail, VideoInfo, VideoSegment } from './library/index.js';
export type { SearchRequest, SearchResponse, ClipHit, VideoHit, QueryInput, QueryEmbedder, GroupBy, Operator, SearchOption, Confidence } from './query/index.js';
export type { IndexSettings, Manifest } from './store/index.js';
export { ReloadingLibrary, startSearchServer, type SearchServerOptions, type RunningSearchServer, type SearchableLibrary, type ApiSearchResults } from './server/index.js';
export * from './errors.js';
export type { Segment, EmbeddingSegment, Metadata, ModelName, Modality } from './types.js';
export { KNOWN_MODELS, MODEL_DIMENSIONS } from './types.js';
