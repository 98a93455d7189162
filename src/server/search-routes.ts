import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { announcedTooLarge, HttpFailure, invalid, limitedBody, readMultipart, type Reply, type UploadedFile } from '../http/index.js';
import { toApiResults } from './api-response.js';
import { errorAnswer } from './api-errors.js';
import { bodyTooLarge } from './body-limit.js';
import { parseSearchForm } from './search-form.js';
import type { ServerSettings } from './server-options.js';

/** What a route needs of the running server. */
export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  settings: ServerSettings;
  /** Where uploaded query files are written while their search runs. */
  spoolDir: string;
  /** Aborted when the server shuts down. */
  signal: AbortSignal;
}

/** Text fields are small; only files may use the whole body limit. */
const FIELD_LIMIT_BYTES = 1024 * 1024;

function indexNotExists(given: string, libraryId: string): HttpFailure {
  return new HttpFailure(400, 'index_not_exists', `The index ${JSON.stringify(given)} does not exist. This server searches one library, index_id ${libraryId} (as vsearch stats shows).`);
}

/** Error messages name an uploaded file by the name the client gave it, never by where it was spooled. */
function withClientNames(error: unknown, files: readonly UploadedFile[]): unknown {
  const { failure, unexpected } = errorAnswer(error);
  if (unexpected) return error;
  let message = failure.message;
  for (const file of files) if (file.path !== undefined) message = message.split(file.path).join(`query_media_file ${JSON.stringify(file.filename)}`);
  return message === failure.message ? failure : new HttpFailure(failure.status, failure.code, message, failure.details);
}

/** `POST /search`: a multipart search request, answered with the first page. */
export async function createSearch(ctx: RouteContext): Promise<Reply> {
  const { req, settings } = ctx;
  const limit = settings.maxBodyBytes;
  if (announcedTooLarge(req, limit)) throw bodyTooLarge(limit);
  const form = await readMultipart(limitedBody(req, limit, () => bodyTooLarge(limit)), { spoolDir: ctx.spoolDir, fileBytes: limit, fieldBytes: Math.min(limit, FIELD_LIMIT_BYTES) });
  try {
    const parsed = parseSearchForm(form, { allowRemoteMedia: settings.allowRemoteMedia });
    const libraryId = settings.library.manifest.id;
    if (parsed.indexId !== libraryId) throw indexNotExists(parsed.indexId, libraryId);
    const response = await settings.library.search(parsed.request, { signal: ctx.signal });
    return { status: 200, body: toApiResults(response, { includeUserMetadata: parsed.includeUserMetadata }) };
  } catch (error) {
    throw withClientNames(error, form.files);
  } finally {
    await Promise.all(form.files.map((file) => (file.path === undefined ? undefined : rm(file.path, { force: true }))));
  }
}

/** `GET /search/{page_token}`: the page a next or previous page token names. */
export async function retrieveSearchPage(ctx: RouteContext, token: string): Promise<Reply> {
  const raw = ctx.url.searchParams.get('include_user_metadata');
  if (raw !== null && raw !== 'true' && raw !== 'false') throw invalid('include_user_metadata', `Use true or false; got ${JSON.stringify(raw)}.`);
  const response = await ctx.settings.library.search({ pageToken: token }, { signal: ctx.signal });
  return { status: 200, body: toApiResults(response, { includeUserMetadata: raw === 'true' }) };
}
