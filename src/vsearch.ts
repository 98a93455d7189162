/**
 * The public entry point of the vsearch package (docs/design.md section 6): every function and
 * class a user calls, and every type a public signature names, so that code using the library
 * can name what it passes and gets back (test/types/public-api.test.ts walks the signatures).
 */
export { openLibrary, Library, type OpenLibraryOptions, type ImportOptions, type ImportSummary, type LibraryStats, type CalibrateRecallOptions, type CalibrationPoint, type RecallCalibration, runDoctor, type DoctorOptions, type DoctorProblem, type DoctorProblemKind, type DoctorReport, type DoctorChecked } from './library/index.js';
export type { GetVideoOptions, MetadataPatch, VideoDetail, VideoInfo, VideoSegment } from './library/index.js';
export type { CalibrationQuery, ModalityResult } from './library/calibrate-recall.js';
export type { ModalitySearchEf } from './library/stats.js';

// Building: lib.build(inputs, options) embeds media through the client given to openLibrary.
export type { BuildFailure, BuildOptions, BuildProgress, BuildSummary } from './build/build-types.js';
export type { SkippedInput } from './build/discover-inputs.js';

// The TwelveLabs client.
export { TwelveLabsClient, DEFAULT_BASE_URL } from './embed/index.js';
export type { ApiVersion, ListAssetsOptions, ListOptions, PollCallOptions, UploadAssetOptions, TwelveLabsClientOptions, RetryInfo } from './embed/index.js';
export type { EmbedInput, EmbedResult, EmbedTaskV2, MediaInput, MediaTuning, Segmentation, V2Model } from './embed/index.js';
export type { EmbedV1Input, EmbedV1Result, EmbedTaskV1, EmbedTaskV1Input, V1Source, MediaSource } from './embed/index.js';
export type { Asset, AssetSource, CreateAssetOptions, MultipartUploadOptions, MultipartUploadResult, UploadProgress, UploadSession } from './embed/index.js';
export type { AnalyzeSegment, AnalyzeTask, AnalyzeTaskInput, PollOptions, Page, Paginator } from './embed/index.js';
export type { TaskStatus } from './embed/embed-v2.js';
export type { PageLoader } from './embed/paginate.js';
export type { WirePageInfo } from './embed/wire-types.js';

// Searching.
export type { SearchRequest, SearchResponse, ClipHit, VideoHit, PageInfo, QueryInput, QueryEmbedder, MediaModality, GroupBy, Operator, SearchOption, Confidence, Threshold, SearchFilter } from './query/index.js';

// The library's stored state and its query cache.
export type { CalibrationSource, ImportRecord, IndexSettings, Manifest, ModalityCalibration, QueryModality, RecallCalibrationRecord, RetiredFile, SegmentFileEntry, VideoSummary } from './store/index.js';
export type { CacheEntry, CacheFilter, CacheLookup, DamagedCacheFile, QueryCache, QueryKey } from './store/index.js';

export { ReloadingLibrary, startSearchServer, type SearchServerOptions, type RunningSearchServer, type SearchableLibrary, type ApiSearchResults, type ApiClip, type ApiVideo, type ApiPageInfo, type RequestLogEntry } from './server/index.js';
export { LibraryRoot, openLibraryRoot, type CreateIndexRequest, type RootIndex, type IndexInfo, type IndexModel } from './library/index.js';
export { UploadTaskQueue, uploadProblem, type CreateUploadTask, type TaskError, type UploadTask, type UploadTaskQueueOptions, type UploadTaskStatus } from './tasks/index.js';
export type { MediaFacts } from './media/media-facts.js';
// The search seam: a library snapshot and what it holds (what another storage backend provides).
export type { LibrarySnapshot } from './query/library-snapshot.js';
export type { LabelFacts, LabelGroup, VideoFacts } from './query/label-facts.js';
export type { GroupRecord, LabelFactsData } from './query/label-facts-data.js';
export type { GroupByOf, HitsOf, SearchResponseFor } from './query/search-response.js';
export type { KnnResult, SearchOptions, VectorIndex } from './index/vector-index.js';
export type { DuplicateInput } from './build/build-types.js';
export type { ImportFileRecord, VideoFactsFileEntry, VideoFactsList } from './store/manifest.js';
export type { MemoryNeeds } from './library/capacity.js';
export type { UpstreamSettings } from './server/upstream.js';
export * from './errors.js';
export type { CallOptions, Segment, EmbeddingSegment, JsonValue, Metadata, ModelName, Modality } from './types.js';
export { KNOWN_MODELS, MODEL_DIMENSIONS } from './types.js';
export { ANNOTATION_SOURCES, type Annotation, type AnnotationJson, type AnnotationSource, type AnalyzeRequest, type AnalyzeOptions, type AnalyzeSummary, type AnnotationImportSummary } from './annotations/index.js';
export { SEARCH_MODES, OPTION_FUSIONS, RRF_K, type AnnotatedHit, type ModeSearchRequest, type ModeSearchResponse, type SearchMode, type FusedHit, type OptionFusion } from './lexical/index.js';
