/** JSON shapes on the wire, as the v1.3 OpenAPI documents describe them (snake_case, `_id`). */

export interface WirePageInfo {
  limit_per_page?: number;
  page?: number;
  total_page?: number;
  total_results?: number;
  next_page_token?: string;
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
