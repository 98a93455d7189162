import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { HttpFailure } from './api-error.js';
import type { RequestBody } from './body.js';

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
  /** Largest text field, bytes. Default 1 MiB. */
  fieldBytes?: number;
  /** Largest file part, bytes; past it the upload is drained and refused with 413. */
  fileBytes?: number;
  /** Most parts (fields and files together); past it the form is refused at once. Default 256. */
  parts?: number;
  /** Most file parts. Default 16. */
  files?: number;
  /** When set, file parts are also written to files in this directory (for ffprobe). */
  spoolDir?: string;
}

const DEFAULT_MULTIPART_LIMITS = { fieldBytes: 1024 * 1024, parts: 256, files: 16 } as const;

function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function malformed(why: string): HttpFailure {
  return new HttpFailure(400, 'parameter_invalid', `The multipart body is malformed: ${why}.`);
}

/**
 * Reads a multipart/form-data body through @fastify/busboy, streaming file parts past a hash
 * (and into `spoolDir`), with limits on parts, files, field size and file size. Too many parts
 * or files stop the reading at once; an oversized field or file is refused once the body ends.
 */
export async function readMultipart(req: RequestBody, limits: MultipartLimits = {}): Promise<MultipartForm> {
  const contentType = req.headers['content-type'];
  if (contentType === undefined || boundaryOf(contentType) === undefined) {
    throw new HttpFailure(400, 'parameter_invalid', 'The request body must be multipart/form-data with a boundary.', {
      field: 'content-type',
    });
  }
  const fieldLimit = limits.fieldBytes ?? DEFAULT_MULTIPART_LIMITS.fieldBytes;
  const fileLimit = limits.fileBytes ?? Number.POSITIVE_INFINITY;
  const partLimit = limits.parts ?? DEFAULT_MULTIPART_LIMITS.parts;
  const fileCountLimit = limits.files ?? DEFAULT_MULTIPART_LIMITS.files;
  const fields = new Map<string, string[]>();
  const files: UploadedFile[] = [];
  const spooled: string[] = [];
  const spools: WriteStream[] = [];
  const pending: Promise<void>[] = [];
  // Found while reading, refused once the body has ended (the client then reads the answer).
  let refused: HttpFailure | undefined;
  // Ends the reading at once: too many parts, or a body the parser cannot read.
  let interrupted: HttpFailure | undefined;
  const waiting = new Set<(failure: HttpFailure) => void>();
  const interrupt = (failure: HttpFailure): void => {
    interrupted ??= failure;
    for (const reject of waiting) reject(interrupted);
  };
  // A fresh promise per wait: racing one long-lived promise would keep every chunk it raced against.
  const unlessInterrupted = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (interrupted !== undefined) return reject(interrupted);
      waiting.add(reject);
      work.then(resolve, reject).finally(() => waiting.delete(reject));
    });

  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: { ...req.headers, 'content-type': contentType },
      limits: {
        fieldSize: fieldLimit,
        fileSize: fileLimit,
        parts: partLimit,
        files: fileCountLimit,
        fields: partLimit,
        headerPairs: 32,
        headerSize: 16 * 1024,
      },
      isPartAFile: (_field, _type, filename) => filename !== undefined,
    });
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : String(error));
  }
  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated)
      refused ??= new HttpFailure(413, 'parameter_invalid', `The ${name} field exceeds ${fieldLimit} bytes.`, {
        field: name,
      });
    const list = fields.get(name) ?? [];
    list.push(value);
    fields.set(name, list);
  });
  parser.on('file', (name, stream, filename, _encoding, mimeType) => {
    const received = receiveFile(name, stream, filename, mimeType);
    received.catch(() => undefined);
    pending.push(received);
  });
  const tooMany = (what: string, limit: number) => (): void =>
    interrupt(
      new HttpFailure(413, 'parameter_invalid', `The multipart body has more than ${limit} ${what}; send fewer.`),
    );
  parser.on('partsLimit', tooMany('parts', partLimit));
  parser.on('fieldsLimit', tooMany('fields', partLimit));
  parser.on('filesLimit', tooMany('files', fileCountLimit));
  parser.on('error', (error: unknown) => interrupt(malformed(error instanceof Error ? error.message : String(error))));
  const parsed = new Promise<void>((resolve) => parser.on('finish', resolve));

  async function receiveFile(
    field: string,
    stream: BusboyFileStream,
    filename: string,
    mimeType: string,
  ): Promise<void> {
    const hash = createHash('sha256');
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    stream.on('limit', () => {
      refused ??= new HttpFailure(
        413,
        'media_filesize_too_large',
        `The ${field} file exceeds the ${fileLimit} byte limit.`,
        { field },
      );
    });
    const file: UploadedFile = { field, filename, contentType: mimeType, size: 0, sha256: '' };
    files.push(file);
    if (limits.spoolDir === undefined) {
      stream.resume();
      await finished(stream);
    } else {
      const path = join(limits.spoolDir, `${randomUUID()}.upload`);
      spooled.push(path);
      file.path = path;
      const out = createWriteStream(path);
      spools.push(out);
      await Promise.all([finished(stream.pipe(out)), finished(stream)]);
    }
    file.size = size;
    file.sha256 = hash.digest('hex');
  }

  // Not the request's own iterator: returning from that one would destroy the socket before the answer.
  const iterator = iterable(req)[Symbol.asyncIterator]();
  let reading = false;
  try {
    for (;;) {
      if (interrupted !== undefined) throw interrupted;
      reading = true;
      const next = await unlessInterrupted(iterator.next());
      reading = false;
      if (next.done === true) break;
      if (!parser.write(next.value)) await unlessInterrupted(new Promise((resolve) => parser.once('drain', resolve)));
    }
    parser.end();
    await unlessInterrupted(parsed);
    await unlessInterrupted(Promise.all(pending));
    if (refused !== undefined) throw refused;
  } catch (error) {
    // A read still waiting for the client is left to end by itself rather than awaited.
    const returned = iterator.return?.();
    if (reading) void returned?.catch(() => undefined);
    else await returned?.catch(() => undefined);
    parser.destroy();
    // A spool file is removed only once its stream is closed, so that nothing recreates it.
    await Promise.all(spools.map((out) => finished(out.destroy()).catch(() => undefined)));
    await Promise.all(spooled.map((path) => rm(path, { force: true })));
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

function iterable(req: RequestBody): AsyncIterable<Buffer> {
  if ('iterator' in req && typeof req.iterator === 'function') {
    const readable = req as RequestBody & Pick<Readable, 'iterator'>;
    return readable.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  }
  return req;
}
