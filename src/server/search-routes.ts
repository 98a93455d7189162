import { rm } from 'node:fs/promises';
import {
  announcedTooLarge,
  HttpFailure,
  invalid,
  limitedBody,
  type Reply,
  readMultipart,
  type UploadedFile,
} from '../http/index.js';
import { PAGE_TOKEN_ERROR_CODE } from '../query/index.js';
import { errorAnswer } from './api-errors.js';
import { type ApiSearchResults, toApiResults } from './api-response.js';
import { bodyTooLarge } from './body-limit.js';
import { parseSearchForm } from './search-form.js';
import type { ServeContext } from './serve-context.js';

/** Text fields are small; only files may use the whole body limit. */
const FIELD_LIMIT_BYTES = 1024 * 1024;

/** Error messages name an uploaded file by the name the client gave it, never by where it was spooled. */
function withClientNames(error: unknown, files: readonly UploadedFile[]): unknown {
  const { failure, unexpected } = errorAnswer(error);
  if (unexpected) return error;
  let message = failure.message;
  for (const file of files)
    if (file.path !== undefined)
      message = message.split(file.path).join(`query_media_file ${JSON.stringify(file.filename)}`);
  return message === failure.message
    ? failure
    : new HttpFailure(failure.status, failure.code, message, failure.details);
}

/** `POST /search`: a multipart search request, answered with the first page. */
export async function createSearch(ctx: ServeContext): Promise<Reply> {
  const { req, settings } = ctx;
  const limit = settings.maxBodyBytes;
  if (announcedTooLarge(req, limit)) throw bodyTooLarge(limit);
  const form = await readMultipart(
    limitedBody(req, limit, () => bodyTooLarge(limit)),
    { spoolDir: ctx.spoolDir, fileBytes: limit, fieldBytes: Math.min(limit, FIELD_LIMIT_BYTES) },
  );
  try {
    const parsed = parseSearchForm(form, { allowRemoteMedia: settings.allowRemoteMedia });
    const library = await ctx.indexes.library(parsed.indexId);
    const response = await library.search(parsed.request, { signal: ctx.signal });
    return {
      status: 200,
      body: withIndexTokens(
        toApiResults(response, { includeUserMetadata: parsed.includeUserMetadata }),
        ctx,
        parsed.indexId,
      ),
    };
  } catch (error) {
    throw withClientNames(error, form.files);
  } finally {
    await Promise.all(form.files.map((file) => (file.path === undefined ? undefined : rm(file.path, { force: true }))));
  }
}

/** Serving several indexes, a page token says which one it pages: "<index_id>.<token>" (tokens are base64url, without dots). */
function withIndexTokens(results: ApiSearchResults, ctx: ServeContext, indexId: string): ApiSearchResults {
  if (!ctx.indexes.several) return results;
  const page = { ...results.page_info };
  if (page.next_page_token !== undefined) page.next_page_token = `${indexId}.${page.next_page_token}`;
  if (page.prev_page_token !== undefined) page.prev_page_token = `${indexId}.${page.prev_page_token}`;
  return { ...results, page_info: page };
}

async function pagedIndex(ctx: ServeContext, token: string): Promise<{ indexId: string; token: string }> {
  if (ctx.indexes.several) {
    const dot = token.indexOf('.');
    if (dot <= 0)
      throw new HttpFailure(
        400,
        PAGE_TOKEN_ERROR_CODE,
        'The page token is not one this server issued; make a new search request.',
      );
    return { indexId: token.slice(0, dot), token: token.slice(dot + 1) };
  }
  const [only] = await ctx.indexes.list();
  return { indexId: only?.id ?? '', token };
}

/** `GET /search/{page_token}`: the page a next or previous page token names. */
export async function retrieveSearchPage(ctx: ServeContext): Promise<Reply> {
  const raw = ctx.url.searchParams.get('include_user_metadata');
  if (raw !== null && raw !== 'true' && raw !== 'false')
    throw invalid('include_user_metadata', `Use true or false; got ${JSON.stringify(raw)}.`);
  const paged = await pagedIndex(ctx, ctx.params['page_token'] ?? '');
  const library = await ctx.indexes.library(paged.indexId).catch((error: unknown) => {
    throw error instanceof HttpFailure && error.code === 'index_not_exists'
      ? new HttpFailure(
          400,
          PAGE_TOKEN_ERROR_CODE,
          'The page token names an index this server no longer has; make a new search request.',
        )
      : error;
  });
  const response = await library.search({ pageToken: paged.token }, { signal: ctx.signal });
  return {
    status: 200,
    body: withIndexTokens(toApiResults(response, { includeUserMetadata: raw === 'true' }), ctx, paged.indexId),
  };
}
