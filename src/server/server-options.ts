import { InputError } from '../errors.js';
import type { Library, LibraryRoot } from '../library/index.js';
import type { UpstreamSettings } from './upstream.js';

/** What the server needs of a library: its id (the API's index_id) and its search. */
export type SearchableLibrary = Pick<Library, 'search' | 'manifest'>;

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_BODY_MB = 30;
/** The documented limit of a video file uploaded to an index. */
const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

/** One line of the request log. */
export interface RequestLogEntry {
  method: string;
  /** The path without its query string. */
  path: string;
  status: number;
  ms: number;
}

export interface SearchServerOptions {
  /** One library, served as one index (give this or `root`). */
  library?: SearchableLibrary | undefined;
  /** A folder of libraries, each served as an index that can be created, renamed and deleted. */
  root?: LibraryRoot | undefined;
  /**
   * Where every other API path (embed, embed tasks, analyze, assets, tasks) is forwarded, with
   * its own key; without it those paths answer 404.
   */
  upstream?: UpstreamSettings | undefined;
  /** Default 127.0.0.1: loopback only. */
  host?: string | undefined;
  /** Default 0: a free port. */
  port?: number | undefined;
  /** When set, every request must carry it in `x-api-key` (401 otherwise). */
  apiKey?: string | undefined;
  /** Largest request body; larger ones get 413 before the rest is read. Default 30 MiB. */
  maxBodyBytes?: number | undefined;
  /** Largest video file of an upload task (`POST /tasks`); larger ones are refused before they are read. Default 2 GiB. */
  maxUploadBytes?: number | undefined;
  /** Forward `query_media_url` to the embedding API (http and https only); refused otherwise. */
  allowRemoteMedia?: boolean | undefined;
  /** Aborting it closes the server. */
  signal?: AbortSignal | undefined;
  /** Sees each finished request. */
  onRequest?: ((entry: RequestLogEntry) => void) | undefined;
  /** Sees what the upload tasks warn of (a task record that cannot be read). */
  onWarning?: ((message: string) => void) | undefined;
  /** Sees errors answered with 500, with their stack; the client gets no details. */
  onUnexpectedError?: ((error: unknown) => void) | undefined;
}

export interface ServerSettings {
  library: SearchableLibrary | undefined;
  root: LibraryRoot | undefined;
  upstream: UpstreamSettings | undefined;
  host: string;
  port: number;
  apiKey: string | undefined;
  maxBodyBytes: number;
  maxUploadBytes: number;
  onWarning: (message: string) => void;
  allowRemoteMedia: boolean;
  onRequest: (entry: RequestLogEntry) => void;
  onUnexpectedError: (error: unknown) => void;
}

/** The options checked once, with defaults filled in. */
export function serverSettings(options: SearchServerOptions): ServerSettings {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`the port must be an integer from 0 to 65535, got ${String(options.port)}`);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_MB * 1024 * 1024;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new InputError(`the body limit must be a positive number of bytes, got ${String(options.maxBodyBytes)}`);
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  if (!Number.isSafeInteger(maxUploadBytes) || maxUploadBytes < 1)
    throw new InputError(`the upload limit must be a positive number of bytes, got ${String(options.maxUploadBytes)}`);
  if (options.apiKey !== undefined && options.apiKey.trim() === '')
    throw new InputError('the API key must not be empty; leave it out to accept requests without one');
  if ((options.library === undefined) === (options.root === undefined))
    throw new InputError('give the server either a library or a root folder of libraries, not both or neither');
  if (options.upstream !== undefined) {
    try {
      new URL(options.upstream.baseUrl);
    } catch {
      throw new InputError(
        `the upstream URL ${JSON.stringify(options.upstream.baseUrl)} is not a URL; give the API base, such as https://api.twelvelabs.io/v1.3`,
      );
    }
  }
  return {
    library: options.library,
    root: options.root,
    upstream: options.upstream,
    host: options.host ?? DEFAULT_HOST,
    port,
    apiKey: options.apiKey,
    maxBodyBytes,
    maxUploadBytes,
    onWarning: options.onWarning ?? (() => undefined),
    allowRemoteMedia: options.allowRemoteMedia ?? false,
    onRequest: options.onRequest ?? (() => undefined),
    onUnexpectedError: options.onUnexpectedError ?? (() => undefined),
  };
}
