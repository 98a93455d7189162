import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { HttpFailure } from './errors.js';

/** A file part: hashed and counted while it streams past, never held in memory. */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Where the bytes were spooled, when `spoolDir` was given; the caller deletes it. */
  path?: string;
}

export interface MultipartForm {
  fields: Map<string, string[]>;
  files: UploadedFile[];
  /** The first value of a text field. */
  get(name: string): string | undefined;
  all(name: string): string[];
  file(name: string): UploadedFile | undefined;
}

export interface MultipartLimits {
  /** Largest text field, bytes. */
  fieldBytes?: number;
  /** Largest file part, bytes; past it the upload is drained and refused with 413. */
  fileBytes?: number;
  /** When set, file parts are also written to files in this directory (for ffprobe). */
  spoolDir?: string;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

interface PartHeaders {
  name: string;
  filename: string | undefined;
  contentType: string;
}

function parsePartHeaders(block: string): PartHeaders {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType = 'application/octet-stream';
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') {
      name = /\bname="((?:[^"\\]|\\.)*)"/i.exec(value)?.[1] ?? /\bname=([^;\s]+)/i.exec(value)?.[1];
      const star = /\bfilename\*=(?:UTF-8'')?([^;]+)/i.exec(value)?.[1];
      filename = star === undefined ? (/\bfilename="((?:[^"\\]|\\.)*)"/i.exec(value)?.[1] ?? /\bfilename=([^;\s]+)/i.exec(value)?.[1]) : decodeURIComponent(star);
    } else if (key === 'content-type') {
      contentType = value;
    }
  }
  if (name === undefined) throw new HttpFailure(400, 'parameter_invalid', 'A multipart part has no Content-Disposition name.');
  return { name, filename, contentType };
}

/** A request body to read: the request itself, or its chunks passed through a filter (a size cap). */
export type MultipartBody = Pick<IncomingMessage, 'headers'> & AsyncIterable<Buffer>;

/**
 * A streaming multipart/form-data reader. It keeps only a boundary's worth of bytes between
 * chunks, so uploads of hundreds of megabytes pass through with constant memory.
 */
export async function readMultipart(req: MultipartBody, limits: MultipartLimits = {}): Promise<MultipartForm> {
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary === undefined) throw new HttpFailure(400, 'parameter_invalid', 'The request body must be multipart/form-data with a boundary.', { field: 'content-type' });
  const fieldLimit = limits.fieldBytes ?? 1024 * 1024;
  const fileLimit = limits.fileBytes ?? Number.POSITIVE_INFINITY;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const fields = new Map<string, string[]>();
  const files: UploadedFile[] = [];

  type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  // A CRLF in front lets the first boundary match the same delimiter as the others.
  let buffer: Buffer = Buffer.from(CRLF);
  let part: PartHeaders | undefined;
  let fieldChunks: Buffer[] = [];
  let fieldSize = 0;
  let hash: Hash | undefined;
  let fileSize = 0;
  let tooLarge: HttpFailure | undefined;
  let spool: WriteStream | undefined;
  let spoolPath: string | undefined;
  let spoolWaiting = false;
  const pending: Promise<void>[] = [];

  const emit = (data: Buffer): void => {
    if (part === undefined || data.length === 0) return;
    if (part.filename !== undefined) {
      fileSize += data.length;
      if (fileSize > fileLimit) {
        tooLarge ??= new HttpFailure(413, 'media_filesize_too_large', `The ${part.name} file exceeds the ${fileLimit} byte limit.`, { field: part.name });
        return;
      }
      hash?.update(data);
      if (spool !== undefined && !spool.write(data)) {
        if (!spoolWaiting) {
          spoolWaiting = true;
          pending.push(writable(spool).then(() => void (spoolWaiting = false)));
        }
      }
    } else {
      fieldSize += data.length;
      if (fieldSize > fieldLimit) {
        tooLarge ??= new HttpFailure(413, 'parameter_invalid', `The ${part.name} field exceeds ${fieldLimit} bytes.`, { field: part.name });
        return;
      }
      fieldChunks.push(data);
    }
  };

  const finishPart = (): void => {
    if (part === undefined) return;
    if (part.filename !== undefined) {
      const file: UploadedFile = { field: part.name, filename: part.filename, contentType: part.contentType, size: fileSize, sha256: hash?.digest('hex') ?? '' };
      if (spool !== undefined && spoolPath !== undefined) {
        const stream = spool;
        pending.push(new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve()))));
        file.path = spoolPath;
        spool = undefined;
      }
      files.push(file);
    } else {
      const list = fields.get(part.name) ?? [];
      list.push(Buffer.concat(fieldChunks).toString('utf8'));
      fields.set(part.name, list);
    }
    part = undefined;
  };

  const step = (): boolean => {
    switch (state) {
      case 'preamble': {
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          buffer = buffer.subarray(Math.max(0, buffer.length - delimiter.length + 1));
          return false;
        }
        buffer = buffer.subarray(at + delimiter.length);
        state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (buffer.length < 2) return false;
        if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
          state = 'done';
          return false;
        }
        // Skip transport padding, then the CRLF that ends the boundary line.
        const eol = buffer.indexOf(CRLF);
        if (eol < 0) return false;
        buffer = buffer.subarray(eol + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = buffer.indexOf(HEADER_END);
        if (end < 0) {
          if (buffer.length > MAX_HEADER_BYTES) throw new HttpFailure(400, 'parameter_invalid', 'A multipart part header is too large.');
          return false;
        }
        part = parsePartHeaders(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + HEADER_END.length);
        fieldChunks = [];
        fieldSize = 0;
        fileSize = 0;
        hash = part.filename === undefined ? undefined : createHash('sha256');
        if (part.filename !== undefined && limits.spoolDir !== undefined) {
          spoolPath = join(limits.spoolDir, `${randomUUID()}.upload`);
          spool = createWriteStream(spoolPath);
        }
        state = 'body';
        return true;
      }
      case 'body': {
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          const keep = delimiter.length - 1;
          if (buffer.length > keep) {
            emit(buffer.subarray(0, buffer.length - keep));
            buffer = buffer.subarray(buffer.length - keep);
          }
          return false;
        }
        emit(buffer.subarray(0, at));
        finishPart();
        buffer = buffer.subarray(at + delimiter.length);
        state = 'after-delimiter';
        return true;
      }
      case 'done':
        return false;
    }
  };

  const cleanup = async (): Promise<void> => {
    spool?.destroy();
    const paths = new Set(files.map((file) => file.path).filter((path): path is string => path !== undefined));
    if (spoolPath !== undefined) paths.add(spoolPath);
    await Promise.all([...paths].map((path) => rm(path, { force: true })));
  };

  try {
    for await (const chunk of req) {
      if (state === 'done') continue;
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (step()) {
        // keep consuming complete tokens
      }
      // Backpressure from the spool files, if any.
      if (pending.length > 0) await Promise.all(pending.splice(0));
    }
    if (tooLarge !== undefined) throw tooLarge;
    if (state !== 'done') throw new HttpFailure(400, 'parameter_invalid', 'The multipart body ended before its closing boundary.');
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    fields,
    files,
    get: (name) => fields.get(name)?.[0],
    all: (name) => fields.get(name) ?? [],
    file: (name) => files.find((file) => file.field === name),
  };
}

/** Resolves when the stream drains, or finishes: an ended stream never emits 'drain'. */
function writable(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['drain', 'finish', 'close']) stream.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'finish', 'close']) stream.on(event, done);
  });
}
