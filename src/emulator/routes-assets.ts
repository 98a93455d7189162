import { createHash, createHmac } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  checkUrl,
  drain,
  HttpFailure,
  invalid,
  isRecord,
  missing,
  notFound,
  paginate,
  type Reply,
  readJson,
  readMultipart,
} from '../http/index.js';
import { probeChunkedDuration } from './media-chunks.js';
import { probeForm, spoolOptions } from './media-source.js';
import type { Route, RouteContext } from './route.js';
import { basename, findScenario } from './scenario.js';
import { type EmulatorState, iso, statusOf, type Timed } from './state.js';

/** Direct uploads: the service's limit for video and audio files. */
const DIRECT_UPLOAD_LIMIT = 200 * 1024 * 1024;
/** Multipart sessions: every chunk but the last has this size (S3's minimum part size). */
const CHUNK_SIZE = 5 * 1024 * 1024;
/** How many presigned URLs a new session hands out; ask /presigned-urls for the rest. */
const INITIAL_URLS = 10;
const MULTIPART_LIMIT = 10 * 1024 * 1024 * 1024;
const URL_TTL_MS = 60 * 60 * 1000;
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export interface Asset extends Timed {
  id: string;
  method: 'direct' | 'url' | 'multipart';
  filename: string;
  fileType: string;
  size: number | undefined;
  sha256: string | undefined;
  url: string | undefined;
  userMetadata: Record<string, unknown> | undefined;
  /** Read from the uploaded bytes, when they are media. */
  durationSec?: number | undefined;
}

interface Chunk {
  etag: string;
  size: number;
  path: string;
  uploadedAt: number;
  reportedAt: number | undefined;
}

export interface UploadSession {
  id: string;
  assetId: string;
  filename: string;
  type: string;
  totalSize: number;
  totalChunks: number;
  chunks: Map<number, Chunk>;
  status: 'active' | 'completed' | 'failed';
  createdAt: number;
  updatedAt: number;
  userMetadata: Record<string, unknown> | undefined;
}

const MIME: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

function mimeOf(filename: string, declared?: string): string {
  if (declared !== undefined && declared !== '' && declared !== 'application/octet-stream') return declared;
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  return MIME[ext] ?? 'application/octet-stream';
}

function parseUserMetadata(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (isRecord(value)) return value;
  } catch {
    // fall through
  }
  throw invalid('user_metadata', 'It must be a JSON object.');
}

function newAsset(state: EmulatorState, fields: Omit<Asset, keyof Timed | 'id'>, id = state.ids.next('asset')): Asset {
  const entry = findScenario(state.scenario, { sha256: fields.sha256, name: fields.filename, url: fields.url });
  const asset: Asset = { id, ...fields, ...state.timing(entry?.fail === true, false) };
  state.assets.set(asset.id, asset);
  state.stats.assetsCreated += 1;
  return asset;
}

function assetBody(asset: Asset): Record<string, unknown> {
  const body: Record<string, unknown> = {
    _id: asset.id,
    method: asset.method,
    status: statusOf(asset),
    filename: asset.filename,
    file_type: asset.fileType,
    created_at: iso(asset.createdAt),
  };
  if (asset.userMetadata !== undefined) body['user_metadata'] = asset.userMetadata;
  return body;
}

function assetDetail(state: EmulatorState, asset: Asset): Record<string, unknown> {
  const body = assetBody(asset);
  const status = statusOf(asset);
  if (asset.size !== undefined) body['size'] = asset.size;
  if (status === 'ready') {
    const entry = findScenario(state.scenario, { sha256: asset.sha256, name: asset.filename, url: asset.url });
    const duration = entry?.duration_sec ?? asset.durationSec;
    if (duration !== undefined) body['duration'] = duration;
  }
  if (status === 'failed') body['error'] = { message: 'The file is invalid or corrupt and could not be processed.' };
  return body;
}

async function createAsset(ctx: RouteContext): Promise<Reply> {
  const form = await readMultipart(ctx.req, { fileBytes: DIRECT_UPLOAD_LIMIT, ...spoolOptions(ctx.state) });
  const durations = await probeForm(form, ctx.state.scenario);
  const method = form.get('method');
  if (method === undefined || method === '') throw missing('method');
  const userMetadata = parseUserMetadata(form.get('user_metadata'));
  const filenameField = form.get('filename');
  if (method === 'direct') {
    const file = form.file('file');
    if (file === undefined) throw missing('file');
    if (file.size === 0) throw invalid('file', 'The file is empty.');
    const filename = filenameField ?? file.filename;
    const asset = newAsset(ctx.state, {
      method: 'direct',
      filename,
      fileType: mimeOf(file.filename, file.contentType),
      size: file.size,
      sha256: file.sha256,
      url: undefined,
      userMetadata,
      durationSec: durations.get('file'),
    });
    return { status: 201, body: assetBody(asset) };
  }
  if (method === 'url') {
    const url = form.get('url');
    if (url === undefined || url === '') throw missing('url');
    checkUrl(url, 'url');
    const filename = filenameField ?? basename(url);
    const asset = newAsset(ctx.state, {
      method: 'url',
      filename,
      fileType: mimeOf(filename),
      size: undefined,
      sha256: undefined,
      url,
      userMetadata,
    });
    return { status: 201, body: assetBody(asset) };
  }
  throw invalid('method', 'Allowed values: direct, url.');
}

function session(ctx: RouteContext): UploadSession {
  const id = ctx.params['upload_id'] ?? '';
  const upload = ctx.state.uploads.get(id);
  if (upload === undefined) throw notFound(id, 'upload sessions');
  return upload;
}

function chunkToken(state: EmulatorState, uploadId: string, index: number, expires: number): string {
  return createHmac('sha256', `emulator:${state.options.seed}`)
    .update(`${uploadId}:${index}:${expires}`)
    .digest('hex')
    .slice(0, 32);
}

function presignedUrls(
  ctx: RouteContext,
  upload: UploadSession,
  start: number,
  count: number,
): Array<{ chunk_index: number; url: string; expires_at: string }> {
  const expires = Date.now() + URL_TTL_MS;
  const urls = [];
  for (let index = start; index < start + count && index <= upload.totalChunks; index += 1) {
    const token = chunkToken(ctx.state, upload.id, index, expires);
    urls.push({
      chunk_index: index,
      url: `${ctx.origin}/__storage/uploads/${upload.id}/${index}?X-Amz-Expires=${expires}&X-Amz-Signature=${token}`,
      expires_at: iso(expires),
    });
  }
  return urls;
}

async function createUpload(ctx: RouteContext): Promise<Reply> {
  const body = await readJson(ctx.req);
  const filename = body['filename'];
  if (filename === undefined) throw missing('filename');
  if (typeof filename !== 'string' || filename === '') throw invalid('filename');
  const type = body['type'];
  if (type === undefined) throw missing('type');
  if (type !== 'video' && type !== 'audio' && type !== 'image')
    throw invalid('type', 'Allowed values: video, audio, image.');
  const totalSize = body['total_size'];
  if (totalSize === undefined) throw missing('total_size');
  if (typeof totalSize !== 'number' || !Number.isInteger(totalSize) || totalSize < 1) throw invalid('total_size');
  const limit = type === 'image' ? 32 * 1024 * 1024 : MULTIPART_LIMIT;
  if (totalSize > limit)
    throw new HttpFailure(
      400,
      'media_filesize_too_large',
      `The file is larger than the ${limit} byte limit for ${type} uploads.`,
      { field: 'total_size' },
    );
  const userMetadata = body['user_metadata'];
  if (userMetadata !== undefined && !isRecord(userMetadata)) throw invalid('user_metadata');
  const now = Date.now();
  const upload: UploadSession = {
    id: ctx.state.ids.next('upload'),
    assetId: ctx.state.ids.next('asset'),
    filename,
    type,
    totalSize,
    totalChunks: Math.ceil(totalSize / CHUNK_SIZE),
    chunks: new Map(),
    status: 'active',
    createdAt: now,
    updatedAt: now,
    userMetadata,
  };
  ctx.state.uploads.set(upload.id, upload);
  return {
    status: 201,
    body: {
      upload_id: upload.id,
      asset_id: upload.assetId,
      upload_urls: presignedUrls(ctx, upload, 1, INITIAL_URLS),
      upload_headers: {},
      chunk_size: CHUNK_SIZE,
      total_chunks: upload.totalChunks,
      expires_at: iso(now + SESSION_TTL_MS),
    },
  };
}

function expectedChunkSize(upload: UploadSession, index: number): number {
  return index < upload.totalChunks ? CHUNK_SIZE : upload.totalSize - CHUNK_SIZE * (upload.totalChunks - 1);
}

/** Object-storage style PUT of one chunk: stored on disk, answered with an ETag (MD5, quoted). */
async function putChunk(ctx: RouteContext): Promise<Reply> {
  const upload = ctx.state.uploads.get(ctx.params['upload_id'] ?? '');
  const index = Number(ctx.params['chunk_index']);
  const expires = Number(ctx.url.searchParams.get('X-Amz-Expires'));
  const signature = ctx.url.searchParams.get('X-Amz-Signature');
  if (
    upload === undefined ||
    !Number.isInteger(index) ||
    index < 1 ||
    index > upload.totalChunks ||
    signature !== chunkToken(ctx.state, upload.id, index, expires)
  ) {
    await drain(ctx.req);
    throw new HttpFailure(403, 'SignatureDoesNotMatch', 'The presigned URL is not valid for this chunk.');
  }
  if (Date.now() > expires) {
    await drain(ctx.req);
    throw new HttpFailure(403, 'AccessDenied', 'Request has expired.');
  }
  if (upload.status !== 'active') {
    await drain(ctx.req);
    throw new HttpFailure(409, 'InvalidRequest', `The upload session is ${upload.status}.`);
  }
  const expected = expectedChunkSize(upload, index);
  const path = join(ctx.state.scratchDir(), `${upload.id}-${index}.part`);
  const md5 = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > expected) {
        done(new HttpFailure(400, 'EntityTooLarge', `Chunk ${index} must be ${expected} bytes.`));
        return;
      }
      md5.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(ctx.req, meter, createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof HttpFailure) throw error;
    throw new HttpFailure(400, 'IncompleteBody', 'The chunk upload was interrupted.');
  }
  if (size !== expected) {
    await rm(path, { force: true });
    throw new HttpFailure(400, 'IncompleteBody', `Chunk ${index} must be ${expected} bytes, got ${size}.`);
  }
  const etag = `"${md5.digest('hex')}"`;
  const previous = upload.chunks.get(index);
  upload.chunks.set(index, {
    etag,
    size,
    path,
    uploadedAt: Date.now(),
    reportedAt: previous?.etag === etag ? previous.reportedAt : undefined,
  });
  upload.updatedAt = Date.now();
  return { status: 200, headers: { etag } };
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/**
 * Hashes the chunks in order (streaming from disk) and turns the session into an asset; the
 * duration is read from the chunks in place (MediaInfo reads only the bytes it needs).
 */
async function finalize(state: EmulatorState, upload: UploadSession): Promise<void> {
  const hash = createHash('sha256');
  let size = 0;
  const ordered: Chunk[] = [];
  for (let index = 1; index <= upload.totalChunks; index += 1) {
    const chunk = upload.chunks.get(index);
    if (chunk === undefined) throw new HttpFailure(500, 'internal_error', `Chunk ${index} is missing.`);
    ordered.push(chunk);
    for await (const data of createReadStream(chunk.path) as AsyncIterable<Buffer>) {
      hash.update(data);
      size += data.length;
    }
  }
  const durationSec = await probeChunkedDuration(ordered);
  await Promise.all([...upload.chunks.values()].map((chunk) => rm(chunk.path, { force: true })));
  upload.status = 'completed';
  newAsset(
    state,
    {
      method: 'multipart',
      filename: upload.filename,
      fileType: mimeOf(upload.filename),
      size,
      sha256: hash.digest('hex'),
      url: undefined,
      userMetadata: upload.userMetadata,
      durationSec,
    },
    upload.assetId,
  );
}

async function reportChunks(ctx: RouteContext): Promise<Reply> {
  const upload = session(ctx);
  const body = await readJson(ctx.req);
  const completed = body['completed_chunks'];
  if (completed === undefined) throw missing('completed_chunks');
  if (!Array.isArray(completed) || completed.length === 0) throw invalid('completed_chunks');
  let processed = 0;
  let duplicates = 0;
  const now = Date.now();
  for (const [i, item] of completed.entries()) {
    const field = `completed_chunks[${i}]`;
    if (!isRecord(item)) throw invalid(field);
    const index = item['chunk_index'];
    const proof = item['proof'];
    const proofType = item['proof_type'];
    const chunkSize = item['chunk_size'];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > upload.totalChunks)
      throw invalid(`${field}.chunk_index`, `Chunks are numbered 1 to ${upload.totalChunks}.`);
    if (typeof proof !== 'string' || proof === '') throw missing(`${field}.proof`);
    if (proofType !== 'etag') throw invalid(`${field}.proof_type`, 'Supported value: etag.');
    if (typeof chunkSize !== 'number' || chunkSize !== expectedChunkSize(upload, index))
      throw invalid(`${field}.chunk_size`, `Chunk ${index} is ${expectedChunkSize(upload, index)} bytes.`);
    const chunk = upload.chunks.get(index);
    if (chunk === undefined) throw invalid(`${field}.chunk_index`, `Chunk ${index} has not been uploaded.`);
    if (unquote(chunk.etag) !== unquote(proof))
      throw invalid(`${field}.proof`, `The ETag does not match the uploaded chunk ${index}.`);
    if (chunk.reportedAt !== undefined) {
      duplicates += 1;
    } else {
      chunk.reportedAt = now;
      processed += 1;
    }
  }
  upload.updatedAt = now;
  const totalCompleted = [...upload.chunks.values()].filter((chunk) => chunk.reportedAt !== undefined).length;
  const reply: Record<string, unknown> = {
    asset_id: upload.assetId,
    processed_chunks: processed,
    duplicate_chunks: duplicates,
    total_completed: totalCompleted,
  };
  if (totalCompleted === upload.totalChunks) {
    if (upload.status === 'active') await finalize(ctx.state, upload);
    reply['url'] = `${ctx.origin}/__storage/assets/${upload.assetId}`;
  }
  return { status: 200, body: reply };
}

function uploadStatus(ctx: RouteContext): Reply {
  const upload = session(ctx);
  const chunks = [...upload.chunks.entries()].sort(([a], [b]) => a - b);
  const infos = chunks.map(([index, chunk]) => {
    const info: Record<string, unknown> = {
      index,
      status: chunk.reportedAt === undefined ? 'pending' : 'completed',
      updated_at: iso(chunk.reportedAt ?? chunk.uploadedAt),
    };
    if (chunk.reportedAt !== undefined) info['uploaded_at'] = iso(chunk.reportedAt);
    return info;
  });
  const page = paginate(infos, ctx.url);
  const completed = chunks.filter(([, chunk]) => chunk.reportedAt !== undefined);
  return {
    status: 200,
    body: {
      upload_id: upload.id,
      status: upload.status,
      uploaded_chunks: page.data,
      chunks_completed: completed.length,
      chunks_failed: 0,
      chunks_pending: upload.totalChunks - completed.length,
      page_info: page.page_info,
      total_size: upload.totalSize,
      uploaded_size: completed.reduce((sum, [, chunk]) => sum + chunk.size, 0),
      created_at: iso(upload.createdAt),
      updated_at: iso(upload.updatedAt),
    },
  };
}

async function moreUrls(ctx: RouteContext): Promise<Reply> {
  const upload = session(ctx);
  const body = await readJson(ctx.req);
  const start = body['start'];
  const count = body['count'];
  if (start === undefined) throw missing('start');
  if (count === undefined) throw missing('count');
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 1 || start > upload.totalChunks)
    throw invalid('start', `Chunks are numbered 1 to ${upload.totalChunks}.`);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100)
    throw invalid('count', 'It must be from 1 to 100.');
  const urls = presignedUrls(ctx, upload, start, count);
  const now = Date.now();
  return {
    status: 200,
    body: {
      upload_id: upload.id,
      start_index: start,
      count: urls.length,
      upload_urls: urls,
      generated_at: iso(now),
      expires_at: iso(now + URL_TTL_MS),
    },
  };
}

function listAssets(ctx: RouteContext): Reply {
  const ids = ctx.url.searchParams.getAll('asset_ids');
  const types = ctx.url.searchParams.getAll('asset_types');
  for (const type of types) if (!['image', 'video', 'audio'].includes(type)) throw invalid('asset_types');
  const filename = ctx.url.searchParams.get('filename')?.toLowerCase() ?? null;
  const assets = [...ctx.state.assets.values()]
    .filter((asset) => ids.length === 0 || ids.includes(asset.id))
    .filter((asset) => types.length === 0 || types.some((type) => asset.fileType.startsWith(`${type}/`)))
    .filter((asset) => filename === null || asset.filename.toLowerCase().includes(filename))
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((asset) => assetDetail(ctx.state, asset));
  return { status: 200, body: paginate(assets, ctx.url) };
}

function listIncompleteUploads(ctx: RouteContext): Reply {
  const uploads = [...ctx.state.uploads.values()]
    .filter((upload) => upload.status === 'active')
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((upload) => ({
      upload_id: upload.id,
      status: upload.status,
      total_size: upload.totalSize,
      chunk_size: CHUNK_SIZE,
      total_chunks: upload.totalChunks,
      created_at: iso(upload.createdAt),
      expires_at: iso(upload.createdAt + SESSION_TTL_MS),
    }));
  return { status: 200, body: paginate(uploads, ctx.url) };
}

export const assetRoutes: Route[] = [
  { method: 'POST', template: '/assets', api: true, flavor: 'v1', handle: createAsset },
  { method: 'GET', template: '/assets', api: true, flavor: 'v1', handle: listAssets },
  {
    method: 'DELETE',
    template: '/assets/{asset_id}',
    api: true,
    flavor: 'v1',
    handle: (ctx) => {
      const id = ctx.params['asset_id'] ?? '';
      if (!ctx.state.assets.delete(id)) throw notFound(id, 'assets');
      return { status: 200 };
    },
  },
  { method: 'GET', template: '/assets/multipart-uploads', api: true, flavor: 'v1', handle: listIncompleteUploads },
  {
    method: 'GET',
    template: '/assets/{asset_id}',
    api: true,
    flavor: 'v1',
    handle: (ctx) => {
      const id = ctx.params['asset_id'] ?? '';
      const asset = ctx.state.assets.get(id);
      if (asset === undefined) throw notFound(id, 'assets');
      return { status: 200, body: assetDetail(ctx.state, asset) };
    },
  },
  { method: 'POST', template: '/assets/multipart-uploads', api: true, flavor: 'v1', handle: createUpload },
  { method: 'GET', template: '/assets/multipart-uploads/{upload_id}', api: true, flavor: 'v1', handle: uploadStatus },
  { method: 'POST', template: '/assets/multipart-uploads/{upload_id}', api: true, flavor: 'v1', handle: reportChunks },
  {
    method: 'POST',
    template: '/assets/multipart-uploads/{upload_id}/presigned-urls',
    api: true,
    flavor: 'v1',
    handle: moreUrls,
  },
  {
    method: 'PUT',
    template: '/__storage/uploads/{upload_id}/{chunk_index}',
    api: false,
    flavor: 'v1',
    handle: putChunk,
  },
];
