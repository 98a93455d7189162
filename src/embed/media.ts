import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors.js';

/** Where a piece of media comes from: exactly one of these. */
export type MediaSource = { url: string } | { base64: string } | { file: string } | { assetId: string };

/** Documented limits of base64 media in a JSON embed request (POST /embed-v2). */
export const BASE64_LIMIT_BYTES = {
  image: 32 * 1024 * 1024,
  audio: 36 * 1024 * 1024,
  video: 36 * 1024 * 1024,
} as const;

/** Direct asset uploads (POST /assets) take local video and audio up to 200 MB. */
export const DIRECT_ASSET_LIMIT_BYTES = 200 * 1024 * 1024;
/** Multipart upload sessions take files up to 10 GB. */
export const MULTIPART_ASSET_LIMIT_BYTES = 10 * 1024 * 1024 * 1024;

export type MediaKind = keyof typeof BASE64_LIMIT_BYTES;

/** Check that exactly one of url/base64/file/assetId is given. */
export function checkSource(source: MediaSource, what: string): void {
  const keys = (['url', 'base64', 'file', 'assetId'] as const).filter(
    (k) => k in source && (source as Record<string, unknown>)[k] !== undefined,
  );
  if (keys.length !== 1)
    throw new InputError(
      `${what}: give exactly one of url, base64, file or assetId (got ${keys.length === 0 ? 'none' : keys.join(', ')})`,
    );
}

export async function fileSize(path: string, what: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`${what}: ${path} is not a regular file`, { file: path });
    return info.size;
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    throw new InputError(`${what}: cannot read the file (${cause instanceof Error ? cause.message : String(cause)})`, {
      file: path,
      cause,
    });
  }
}

/** Read a local file as base64, refusing files over the documented limit for that kind of media. */
export async function fileAsBase64(path: string, kind: MediaKind, what: string): Promise<string> {
  const size = await fileSize(path, what);
  const limit = BASE64_LIMIT_BYTES[kind];
  if (size > limit) {
    throw new InputError(
      `${what}: the file is ${(size / 1048576).toFixed(1)} MB, over the ${limit / 1048576} MB limit of inline ${kind}; ` +
        'use an async embed task (embedTaskAndPoll), which uploads it as an asset first',
      { file: path },
    );
  }
  return (await readFile(path)).toString('base64');
}
