/**
 * The public entry point of the vsearch package (docs/design.md section 6): every function and
 * class a user calls, and every type a public signature names, so that code using the library
 * can name what it passes and gets back (test/types/public-api.test.ts walks the signatures).
 */

export {
  ANNOTATION_SOURCES,
  type AnalyzeOptions,
  type AnalyzeRequest,
  type AnalyzeSummary,
  type Annotation,
  type AnnotationImportSummary,
  type AnnotationJson,
  type AnnotationSource,
} from './annotations/index.js';
// Building: lib.build(inputs, options) embeds media through the client given to openLibrary.
export type { BuildFailure, BuildOptions, BuildProgress, BuildSummary, DuplicateInput } from './build/build-types.js';
export type { SkippedInput } from './build/discover-inputs.js';
export type { TaskStatus } from './embed/embed-v2.js';
export type {
  AnalyzeSegment,
  AnalyzeTask,
  AnalyzeTaskInput,
  ApiVersion,
  Asset,
  AssetSource,
  CreateAssetOptions,
  EmbedInput,
  EmbedResult,
  EmbedTaskV1,
  EmbedTaskV1Input,
  EmbedTaskV2,
  EmbedV1Input,
  EmbedV1Result,
  ListAssetsOptions,
  ListOptions,
  MediaInput,
  MediaSource,
  MediaTuning,
  MultipartUploadOptions,
  MultipartUploadResult,
  Page,
  Paginator,
  PollCallOptions,
  PollOptions,
  RetryInfo,
  Segmentation,
  TwelveLabsClientOptions,
  UploadAssetOptions,
  UploadProgress,
  UploadSession,
  V1Source,
  V2Model,
} from './embed/index.js';
// The TwelveLabs client.
export { DEFAULT_BASE_URL, TwelveLabsClient } from './embed/index.js';
export type { PageLoader } from './embed/paginate.js';
export type { WirePageInfo } from './embed/wire-types.js';
export * from './errors.js';
export type { ClipPartitions, PartitionVectors } from './index/clip-partitions.js';
export type { CrossModalEdgesRecord } from './index/cross-modal-edges.js';
export type { KnnResult, SearchOptions, VectorIndex } from './index/vector-index.js';
export {
  type AnnotatedHit,
  type FusedHit,
  type ModeSearchRequest,
  type ModeSearchResponse,
  OPTION_FUSIONS,
  type OptionFusion,
  RRF_K,
  SEARCH_MODES,
  type SearchMode,
} from './lexical/index.js';
export type { CalibrationQuery, ModalityResult } from './library/calibrate-recall.js';
export type { MemoryNeeds } from './library/capacity.js';
export type { GetVideoOptions, MetadataPatch, VideoDetail, VideoInfo, VideoSegment } from './library/index.js';
export {
  type CalibrateRecallOptions,
  type CalibrationPoint,
  type CreateIndexRequest,
  type DoctorChecked,
  type DoctorOptions,
  type DoctorProblem,
  type DoctorProblemKind,
  type DoctorReport,
  type ImportOptions,
  type ImportSummary,
  type IndexInfo,
  type IndexModel,
  isPgLibraryUrl,
  Library,
  LibraryRoot,
  type LibraryStats,
  type OpenLibraryOptions,
  openLibrary,
  openLibraryRoot,
  type PgDoctorReport,
  type PgLibrary,
  type PgLibraryUrl,
  type RecallCalibration,
  type RootIndex,
  runDoctor,
} from './library/index.js';
export type { ModalitySearchEf } from './library/stats.js';
export type { MediaFacts } from './media/media-facts.js';
export type { PgChecked } from './pg/pg-doctor.js';
export type { SyncSummary } from './pg/sync-to-pg.js';
// Searching.
export type {
  ClipHit,
  Confidence,
  GroupBy,
  MediaModality,
  Operator,
  PageInfo,
  QueryEmbedder,
  QueryInput,
  SearchFilter,
  SearchOption,
  SearchRequest,
  SearchResponse,
  Threshold,
  VideoHit,
} from './query/index.js';
export type { LabelFacts, LabelGroup, VideoFacts } from './query/label-facts.js';
export type { GroupRecord, LabelFactsData } from './query/label-facts-data.js';
// The search seam: a library snapshot and what it holds (what another storage backend provides).
export type { LibrarySnapshot } from './query/library-snapshot.js';
export type { RetrievalIndex, RetrievalRound } from './query/retrieval-index.js';
export type { GroupByOf, HitsOf, SearchResponseFor } from './query/search-response.js';
export type { SearchPool, SearchPoolSpec } from './query/stages/retrieve.js';
export {
  type ApiClip,
  type ApiPageInfo,
  type ApiSearchResults,
  type ApiVideo,
  ReloadingLibrary,
  type RequestLogEntry,
  type RunningSearchServer,
  type SearchableLibrary,
  type SearchServerOptions,
  startSearchServer,
} from './server/index.js';
export type { UpstreamSettings } from './server/upstream.js';
// The library's stored state and its query cache.
export type {
  CacheEntry,
  CacheFilter,
  CacheLookup,
  CalibrationSource,
  DamagedCacheFile,
  ImportRecord,
  IndexSettings,
  Manifest,
  ModalityCalibration,
  QueryCache,
  QueryKey,
  QueryModality,
  RecallCalibrationRecord,
  RetiredFile,
  SegmentFileEntry,
  VideoSummary,
} from './store/index.js';
export type { ImportFileRecord, VideoFactsFileEntry, VideoFactsList } from './store/manifest.js';
export {
  type CreateUploadTask,
  type TaskError,
  type UploadTask,
  UploadTaskQueue,
  type UploadTaskQueueOptions,
  type UploadTaskStatus,
  uploadProblem,
} from './tasks/index.js';
export type { CallOptions, EmbeddingSegment, JsonValue, Metadata, Modality, ModelName, Segment } from './types.js';
export { KNOWN_MODELS, MODEL_DIMENSIONS } from './types.js';
