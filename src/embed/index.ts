export type { AnalyzeSegment, AnalyzeTask, AnalyzeTaskInput } from './analyze.js';
export type { Asset, AssetSource, CreateAssetOptions } from './assets.js';
export type { ApiVersion, ListAssetsOptions, ListOptions, PollCallOptions, UploadAssetOptions } from './client.js';
export { TwelveLabsClient } from './client.js';
export type { EmbedTaskV1, EmbedTaskV1Input, EmbedV1Input, EmbedV1Result, V1Source } from './embed-v1.js';
export type {
  EmbedInput,
  EmbedResult,
  EmbedTaskV2,
  MediaInput,
  MediaTuning,
  Segmentation,
  V2Model,
} from './embed-v2.js';
export type { MediaSource } from './media.js';
export type {
  MultipartUploadOptions,
  MultipartUploadResult,
  UploadProgress,
  UploadSession,
} from './multipart-upload.js';
export type { RetryInfo, TwelveLabsClientOptions } from './options.js';
export { DEFAULT_BASE_URL } from './options.js';

export type { Page } from './paginate.js';
export { Paginator } from './paginate.js';
export type { PollOptions } from './poller.js';
