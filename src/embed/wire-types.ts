/** JSON shapes on the wire, as the v1.3 OpenAPI documents describe them (snake_case, `_id`). */

export interface WirePageInfo {
  limit_per_page?: number;
  page?: number;
  total_page?: number;
  total_results?: number;
  next_page_token?: string;
}

export interface WirePage<T> {
  data?: T[];
  page_info?: WirePageInfo;
}

// ---- v2 (/embed-v2) ----

export interface WireV2MediaSource {
  url?: string;
  base64_string?: string;
  asset_id?: string;
}

export interface WireV2Segmentation {
  strategy: 'fixed' | 'dynamic';
  fixed?: { duration_sec: number };
  dynamic?: { min_duration_sec: number };
}

export interface WireV2MediaInput {
  media_source: WireV2MediaSource;
  start_sec?: number;
  end_sec?: number;
  segmentation?: WireV2Segmentation;
  embedding_option?: string[];
  embedding_scope?: string[];
  embedding_type?: string[];
}

export interface WireV2Request {
  input_type: 'text' | 'image' | 'text_image' | 'audio' | 'video';
  model_name: string;
  text?: { input_text: string };
  image?: { media_source: WireV2MediaSource };
  text_image?: { media_source: WireV2MediaSource; input_text: string };
  audio?: WireV2MediaInput;
  video?: WireV2MediaInput;
}

export interface WireV2EmbeddingData {
  embedding: number[];
  embedding_option?: string | null;
  embedding_scope?: string | null;
  start_sec?: number | null;
  end_sec?: number | null;
}

export interface WireV2EmbedResponse {
  data: WireV2EmbeddingData[];
  metadata?: Record<string, unknown>;
}

export type WireTaskStatus = 'processing' | 'ready' | 'failed' | 'queued' | 'pending' | 'validating';

export interface WireV2Task {
  _id: string;
  status: string;
  model_name?: string;
  created_at?: string;
  updated_at?: string;
  data?: WireV2EmbeddingData[] | null;
  metadata?: Record<string, unknown>;
  error?: { message?: string };
}

// ---- v1 (/embed) ----

export interface WireV1Segment {
  float: number[];
  start_offset_sec?: number;
  end_offset_sec?: number;
  embedding_option?: string;
  embedding_scope?: string;
}

export interface WireV1EmbeddingResult {
  segments?: WireV1Segment[];
  error_message?: string;
  metadata?: Record<string, unknown>;
}

export interface WireV1EmbedResponse {
  model_name: string;
  text_embedding?: WireV1EmbeddingResult;
  image_embedding?: WireV1EmbeddingResult;
  audio_embedding?: WireV1EmbeddingResult;
}

export interface WireV1Task {
  _id: string;
  model_name?: string;
  status?: string;
  created_at?: string;
  updated_at?: string;
  video_embedding?: { metadata?: Record<string, unknown>; segments?: WireV1Segment[] };
}

// ---- assets ----

export interface WireAsset {
  _id: string;
  method?: string;
  status: string;
  filename?: string;
  file_type?: string;
  created_at?: string;
  size?: number;
  duration?: number;
  error?: { message?: string };
}

export interface WirePresignedUrl {
  chunk_index: number;
  url: string;
  expires_at?: string;
}

export interface WireCreateUploadResponse {
  upload_id: string;
  asset_id: string;
  upload_urls?: WirePresignedUrl[];
  upload_headers?: Record<string, string>;
  chunk_size: number;
  total_chunks: number;
  expires_at?: string;
}

export interface WireChunkInfo {
  index: number;
  status: 'completed' | 'pending' | 'failed' | string;
  uploaded_at?: string | null;
  error?: string;
}

export interface WireUploadStatus {
  upload_id: string;
  status: 'active' | 'completed' | 'failed' | 'expired' | string;
  uploaded_chunks?: WireChunkInfo[];
  chunks_completed?: number;
  chunks_failed?: number;
  chunks_pending?: number;
  page_info?: WirePageInfo;
  total_size?: number;
  uploaded_size?: number;
}

export interface WireReportChunksResponse {
  url?: string;
  asset_id?: string;
  processed_chunks?: number;
  duplicate_chunks?: number;
  total_completed?: number;
}

export interface WirePresignedUrlsResponse {
  upload_id?: string;
  start_index?: number;
  count?: number;
  upload_urls?: WirePresignedUrl[];
}

// ---- analyze ----

export interface WireAnalyzeTask {
  task_id: string;
  custom_id?: string | null;
  status: string;
  created_at?: string;
  completed_at?: string;
  video_source?: Record<string, unknown> | null;
  request_params?: Record<string, unknown> | null;
  result?: { generation_id?: string; data?: string; finish_reason?: string; usage?: Record<string, number> };
  error?: { message?: string };
}
