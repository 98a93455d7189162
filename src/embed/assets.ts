import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { FormData } from 'undici';
import { InputError, TaskFailedError } from '../errors.js';
import { DIRECT_ASSET_LIMIT_BYTES, fileSize } from './media.js';
import type { Transport } from './transport.js';
import { expectRecord, expectString, isRecord, optionalNumber, optionalString } from './wire-parse.js';

export type AssetSource = { file: string } | { url: string };

export interface Asset {
  id: string;
  status: 'processing' | 'ready' | 'failed' | (string & {});
  method: string | undefined;
  filename: string | undefined;
  fileType: string | undefined;
  size: number | undefined;
  duration: number | undefined;
  /** RFC 3339, the server's clock. */
  createdAt: string | undefined;
  userMetadata: Record<string, unknown> | undefined;
  error: string | undefined;
  /** From `technical_metadata`, where the API gives it (a ready video asset). */
  video: { width: number | undefined; height: number | undefined; fps: number | undefined } | undefined;
}

export interface CreateAssetOptions {
  filename?: string | undefined;
  userMetadata?: Record<string, string | number | boolean> | undefined;
}

export function parseAsset(body: unknown, where: string): Asset {
  const record = expectRecord(body, where);
  const error = record['error'];
  return {
    id: expectString(record, '_id', where),
    status: expectString(record, 'status', where),
    method: optionalString(record['method']),
    filename: optionalString(record['filename']),
    fileType: optionalString(record['file_type']),
    size: optionalNumber(record['size']),
    duration: optionalNumber(record['duration']),
    createdAt: optionalString(record['created_at']),
    userMetadata: isRecord(record['user_metadata']) ? record['user_metadata'] : undefined,
    error: isRecord(error) ? optionalString(error['message']) : undefined,
    video: videoFacts(record['technical_metadata']),
  };
}

function videoFacts(technical: unknown): Asset['video'] {
  if (!isRecord(technical)) return undefined;
  const width = optionalNumber(technical['video_width']);
  const height = optionalNumber(technical['video_height']);
  const fps = optionalNumber(technical['video_fps']);
  return width === undefined && height === undefined && fps === undefined ? undefined : { width, height, fps };
}

/** POST /assets: a local file up to 200 MB (streamed from disk), or a public URL. */
export async function createAsset(
  transport: Transport,
  source: AssetSource,
  options: CreateAssetOptions,
  signal: AbortSignal | undefined,
): Promise<Asset> {
  const parts: Array<[string, string] | [string, Blob, string]> = [];
  let isFile = false;
  if ('file' in source) {
    const size = await fileSize(source.file, 'asset upload');
    if (size > DIRECT_ASSET_LIMIT_BYTES) {
      throw new InputError(
        `the file is ${(size / 1048576).toFixed(0)} MB, over the 200 MB limit of a direct upload; use uploadAsset(), which switches to a multipart upload`,
        { file: source.file },
      );
    }
    parts.push(
      ['method', 'direct'],
      ['file', await openAsBlob(source.file), options.filename ?? basename(source.file)],
    );
    isFile = true;
  } else {
    parts.push(['method', 'url'], ['url', source.url]);
  }
  if (options.filename !== undefined) parts.push(['filename', options.filename]);
  if (options.userMetadata !== undefined) parts.push(['user_metadata', JSON.stringify(options.userMetadata)]);
  const res = await transport.request({
    method: 'POST',
    path: '/assets',
    body: () => {
      const form = new FormData();
      for (const part of parts) {
        if (part.length === 3) form.append(part[0], part[1], part[2]);
        else form.append(part[0], part[1]);
      }
      return form;
    },
    timeoutMs: isFile ? transport.options.uploadTimeoutMs : undefined,
    signal,
  });
  return parseAsset(res.data, 'POST /assets');
}

export async function getAsset(transport: Transport, assetId: string, signal: AbortSignal | undefined): Promise<Asset> {
  const res = await transport.request({ method: 'GET', path: `/assets/${encodeURIComponent(assetId)}`, signal });
  return parseAsset(res.data, `GET /assets/${assetId}`);
}

export function assetOutcome(asset: Asset): { done: true; value: Asset } | { done: false; status: string } {
  if (asset.status === 'ready') return { done: true, value: asset };
  if (asset.status === 'failed')
    throw new TaskFailedError(asset.id, `asset processing failed: ${asset.error ?? 'no reason given'}`);
  return { done: false, status: asset.status };
}
