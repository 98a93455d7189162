import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { ApiError, InputError, InvalidResponseError, TaskFailedError } from '../errors.js';
import { throwIfAborted } from './delay.js';
import { fileSize, MULTIPART_ASSET_LIMIT_BYTES } from './media.js';
import type { Transport } from './transport.js';
import { expectRecord, expectString, isRecord, optionalArray, optionalNumber, optionalString } from './wire-parse.js';

/** What a caller keeps to resume an upload later (the status endpoint does not repeat the chunk size). */
export interface UploadSession {
  uploadId: string;
  assetId: string;
  chunkSize: number;
  totalChunks: number;
  totalSize: number;
  uploadHeaders: Record<string, string>;
}

export interface UploadProgress {
  uploadId: string;
  /** Chunks the platform has acknowledged (reported), including those of an earlier run. */
  completedChunks: number;
  totalChunks: number;
  /** Chunk PUTs made by this run. */
  chunksSent: number;
}

export interface MultipartUploadOptions {
  /** Default: the file's name. */
  filename?: string | undefined;
  /** Default from the extension; video otherwise. */
  type?: 'video' | 'audio' | 'image' | undefined;
  /** Continue this session instead of creating one: only chunks the platform has not acknowledged are sent. */
  resume?: UploadSession | undefined;
  /** Called once the session is known: persist it to resume after a crash. */
  onSession?: ((session: UploadSession) => void) | undefined;
  /** Called after every batch of chunks the platform acknowledged. */
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** Chunks reported per POST. Default 4. */
  reportBatchSize?: number | undefined;
  /** Chunk PUTs in flight. Default 4 (and never more than the client's concurrency). */
  parallel?: number | undefined;
}

export interface MultipartUploadResult {
  session: UploadSession;
  assetId: string;
  chunksSent: number;
}

interface CompletedChunk {
  chunk_index: number;
  proof: string;
  proof_type: 'etag';
  chunk_size: number;
}

const URL_BATCH = 50;

function guessType(path: string): 'video' | 'audio' | 'image' {
  const ext = extname(path).toLowerCase();
  if (['.mp3', '.wav', '.flac', '.m4a', '.aac', '.ogg', '.opus'].includes(ext)) return 'audio';
  if (['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp'].includes(ext)) return 'image';
  return 'video';
}

function parseUrls(value: unknown, where: string): Map<number, string> {
  const urls = new Map<number, string>();
  for (const [i, item] of optionalArray(value, `${where} upload_urls`).entries()) {
    const row = expectRecord(item, `${where} upload_urls[${i}]`);
    const index = optionalNumber(row['chunk_index']);
    const url = optionalString(row['url']);
    if (index === undefined || url === undefined)
      throw new InvalidResponseError(`${where}: upload_urls[${i}] lacks chunk_index or url`);
    urls.set(index, url);
  }
  return urls;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** GET /assets/multipart-uploads/{id}, every page: the session status and the acknowledged chunk indexes. */
export async function getUploadStatus(
  transport: Transport,
  uploadId: string,
  signal: AbortSignal | undefined,
): Promise<{ status: string; completed: Set<number>; failed: Set<number>; chunksCompleted: number | undefined }> {
  const completed = new Set<number>();
  const failed = new Set<number>();
  let status = 'active';
  let chunksCompleted: number | undefined;
  for (let page = 1; ; page++) {
    const where = `GET /assets/multipart-uploads/${uploadId}`;
    const res = await transport.request({
      method: 'GET',
      path: `/assets/multipart-uploads/${encodeURIComponent(uploadId)}`,
      query: { page, page_limit: URL_BATCH },
      signal,
    });
    const body = expectRecord(res.data, where);
    status = optionalString(body['status']) ?? status;
    chunksCompleted = optionalNumber(body['chunks_completed']) ?? chunksCompleted;
    const chunks = optionalArray(body['uploaded_chunks'], `${where} uploaded_chunks`);
    for (const item of chunks) {
      if (!isRecord(item)) continue;
      const index = optionalNumber(item['index']);
      if (index === undefined) continue;
      if (item['status'] === 'completed') completed.add(index);
      else if (item['status'] === 'failed') failed.add(index);
    }
    const info = isRecord(body['page_info']) ? body['page_info'] : undefined;
    const totalPage = optionalNumber(info?.['total_page']);
    if (chunks.length === 0 || totalPage === undefined || page >= totalPage) break;
  }
  return { status, completed, failed, chunksCompleted };
}

/**
 * Upload a file of any size up to 10 GB through a multipart session: each chunk is streamed from
 * disk to its presigned URL, acknowledged with its ETag, and presigned URLs are fetched on demand.
 * With `resume`, the session's status decides which chunks still need sending.
 */
export async function multipartUpload(
  transport: Transport,
  path: string,
  options: MultipartUploadOptions,
  signal: AbortSignal | undefined,
): Promise<MultipartUploadResult> {
  const size = await fileSize(path, 'multipart upload');
  if (size === 0) throw new InputError('the file is empty; nothing to upload', { file: path });
  if (size > MULTIPART_ASSET_LIMIT_BYTES)
    throw new InputError(`the file is ${(size / 2 ** 30).toFixed(1)} GB, over the 10 GB limit of an asset upload`, {
      file: path,
    });

  let session: UploadSession;
  let urls = new Map<number, string>();
  const acknowledged = new Set<number>();
  if (options.resume !== undefined) {
    session = options.resume;
    if (session.totalSize !== size) {
      throw new InputError(
        `the file is ${size} bytes but upload ${session.uploadId} was started for ${session.totalSize} bytes; it changed, start a new upload`,
        { file: path },
      );
    }
    const status = await getUploadStatus(transport, session.uploadId, signal);
    if (status.status === 'expired' || status.status === 'failed') {
      throw new TaskFailedError(session.uploadId, `upload session is ${status.status}; start a new upload`);
    }
    for (const index of status.completed) acknowledged.add(index);
    if (status.status === 'completed') for (let i = 1; i <= session.totalChunks; i++) acknowledged.add(i);
  } else {
    const where = 'POST /assets/multipart-uploads';
    const res = await transport.request({
      method: 'POST',
      path: '/assets/multipart-uploads',
      json: { filename: options.filename ?? basename(path), type: options.type ?? guessType(path), total_size: size },
      signal,
    });
    const body = expectRecord(res.data, where);
    const chunkSize = optionalNumber(body['chunk_size']);
    const totalChunks = optionalNumber(body['total_chunks']);
    if (
      chunkSize === undefined ||
      chunkSize <= 0 ||
      totalChunks === undefined ||
      totalChunks !== Math.ceil(size / chunkSize)
    ) {
      throw new InvalidResponseError(
        `${where}: chunk_size ${String(chunkSize)} and total_chunks ${String(totalChunks)} do not fit a file of ${size} bytes`,
      );
    }
    session = {
      uploadId: expectString(body, 'upload_id', where),
      assetId: expectString(body, 'asset_id', where),
      chunkSize,
      totalChunks,
      totalSize: size,
      uploadHeaders: stringRecord(body['upload_headers']),
    };
    urls = parseUrls(body['upload_urls'], where);
  }
  options.onSession?.(session);
  const { uploadId, chunkSize, totalChunks } = session;
  const base = `/assets/multipart-uploads/${encodeURIComponent(uploadId)}`;

  // Presigned URLs on demand, one request per window of 50, shared by the workers.
  const inflightWindows = new Map<number, Promise<void>>();
  const fetchWindow = (start: number): Promise<void> => {
    let pending = inflightWindows.get(start);
    if (pending === undefined) {
      const count = Math.min(URL_BATCH, totalChunks - start + 1);
      pending = transport
        .request({ method: 'POST', path: `${base}/presigned-urls`, json: { start, count }, signal })
        .then((res) => {
          const body = expectRecord(res.data, `POST ${base}/presigned-urls`);
          for (const [index, url] of parseUrls(body['upload_urls'], `POST ${base}/presigned-urls`))
            urls.set(index, url);
        })
        .finally(() => inflightWindows.delete(start));
      inflightWindows.set(start, pending);
    }
    return pending;
  };
  const urlFor = async (index: number): Promise<string> => {
    let url = urls.get(index);
    if (url === undefined) {
      await fetchWindow(index);
      url = urls.get(index);
    }
    if (url === undefined) throw new InvalidResponseError(`POST ${base}/presigned-urls gave no URL for chunk ${index}`);
    return url;
  };

  const pendingReports: CompletedChunk[] = [];
  let chunksSent = 0;
  const batchSize = Math.max(1, options.reportBatchSize ?? 4);
  const flush = async (): Promise<void> => {
    if (pendingReports.length === 0) return;
    const batch = pendingReports.splice(0, pendingReports.length);
    await transport.request({ method: 'POST', path: base, json: { completed_chunks: batch }, signal });
    for (const chunk of batch) acknowledged.add(chunk.chunk_index);
    options.onProgress?.({ uploadId, completedChunks: acknowledged.size, totalChunks, chunksSent });
  };

  const putChunk = async (index: number): Promise<void> => {
    const start = (index - 1) * chunkSize;
    const length = Math.min(chunkSize, size - start);
    for (let fresh = 0; ; fresh++) {
      const url = await urlFor(index);
      try {
        const res = await transport.request({
          method: 'PUT',
          path: url,
          external: true,
          headers: {
            ...session.uploadHeaders,
            'content-length': String(length),
            'content-type': 'application/octet-stream',
          },
          body: () => createReadStream(path, { start, end: start + length - 1 }),
          timeoutMs: transport.options.uploadTimeoutMs,
          signal,
        });
        chunksSent++;
        const etag = res.header('etag');
        if (etag === undefined || etag === '')
          throw new InvalidResponseError(`the chunk ${index} upload was accepted without an ETag`);
        pendingReports.push({ chunk_index: index, proof: etag, proof_type: 'etag', chunk_size: length });
        if (pendingReports.length >= batchSize) await flush();
        return;
      } catch (error) {
        // An expired or used presigned URL answers 403/404: get a fresh one once.
        if (fresh === 0 && error instanceof ApiError && (error.status === 403 || error.status === 404)) {
          urls.delete(index);
          await fetchWindow(index);
          continue;
        }
        throw error;
      }
    }
  };

  const todo: number[] = [];
  for (let i = 1; i <= totalChunks; i++) if (!acknowledged.has(i)) todo.push(i);
  const parallel = Math.max(1, Math.min(options.parallel ?? 4, transport.options.concurrency));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      throwIfAborted(signal);
      const index = todo[next++];
      if (index !== undefined) await putChunk(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
  await flush();

  if (todo.length > 0 || options.resume !== undefined) {
    const status = await getUploadStatus(transport, uploadId, signal);
    if (status.status !== 'completed' && status.completed.size < totalChunks) {
      throw new TaskFailedError(
        uploadId,
        `upload ended with ${status.completed.size}/${totalChunks} chunks acknowledged (status ${status.status}); resume it with the same session`,
      );
    }
  }
  return { session, assetId: session.assetId, chunksSent };
}
