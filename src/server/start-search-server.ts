import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../errors.js';
import {
  API_PREFIX,
  errorBody,
  HttpFailure,
  methodNotAllowed,
  noRoute,
  type Reply,
  type RouteEntry,
  type RouteMatch,
  Router,
  sendReply,
  UNAUTHORIZED,
} from '../http/index.js';
import { errorAnswer } from './api-errors.js';
import { apiKeyAccepted } from './api-key.js';
import { createIndex, deleteIndex, listIndexes, retrieveIndex, updateIndex } from './index-routes.js';
import { type IndexSource, rootSource, singleLibrarySource } from './index-source.js';
import {
  createIndexedAsset,
  deleteIndexedAsset,
  listIndexedAssets,
  listIndexedAssetsOfAsset,
  retrieveIndexedAsset,
} from './indexed-asset-routes.js';
import { createSearch, retrieveSearchPage } from './search-routes.js';
import type { ServeContext } from './serve-context.js';
import { type SearchServerOptions, type ServerSettings, serverSettings } from './server-options.js';
import { TaskHub } from './task-hub.js';
import { createTask, deleteTask, listTasks, retrieveTask } from './task-routes.js';
import { forwardUpstream } from './upstream.js';
import { deleteVideo, listVideos, retrieveVideo, updateVideo } from './video-routes.js';

/** How long in-flight requests may finish after close() before their connections are cut. */
const CLOSE_GRACE_MS = 5_000;
/** How long the rest of a refused body is discarded (so the client can read the answer) before the connection is cut. */
const LINGER_MS = 5_000;

export interface RunningSearchServer {
  /** The API base URL, http://HOST:PORT/v1.3: what TWELVELABS_BASE_URL takes. */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (briefly), then closes every connection. */
  close(): Promise<void>;
}

type ServeRoute = (ctx: ServeContext) => Promise<Reply>;

const route = (method: string, path: string, handle: ServeRoute): RouteEntry<ServeRoute> => ({
  method,
  path: `${API_PREFIX}${path}`,
  route: handle,
});

const ROUTER = new Router<ServeRoute>([
  route('POST', '/search', createSearch),
  route('GET', '/search/{page_token}', retrieveSearchPage),
  route('POST', '/indexes', createIndex),
  route('GET', '/indexes', listIndexes),
  route('GET', '/indexes/{index_id}', retrieveIndex),
  route('PUT', '/indexes/{index_id}', updateIndex),
  route('DELETE', '/indexes/{index_id}', deleteIndex),
  route('GET', '/indexes/{index_id}/videos', listVideos),
  route('GET', '/indexes/{index_id}/videos/{video_id}', retrieveVideo),
  route('PATCH', '/indexes/{index_id}/videos/{video_id}', updateVideo),
  route('PUT', '/indexes/{index_id}/videos/{video_id}', updateVideo),
  route('DELETE', '/indexes/{index_id}/videos/{video_id}', deleteVideo),
  route('POST', '/indexes/{index_id}/indexed-assets', createIndexedAsset),
  route('GET', '/indexes/{index_id}/indexed-assets', listIndexedAssets),
  // An indexed asset's id is its video's: the update is the video's.
  route('GET', '/indexes/{index_id}/indexed-assets/{video_id}', retrieveIndexedAsset),
  route('PATCH', '/indexes/{index_id}/indexed-assets/{video_id}', updateVideo),
  route('DELETE', '/indexes/{index_id}/indexed-assets/{video_id}', deleteIndexedAsset),
  route('GET', '/assets/{asset_id}/indexed-assets', listIndexedAssetsOfAsset),
  route('POST', '/tasks', createTask),
  route('GET', '/tasks', listTasks),
  route('GET', '/tasks/{task_id}', retrieveTask),
  route('DELETE', '/tasks/{task_id}', deleteTask),
]);

const TASK_PATHS = `${API_PREFIX}/tasks`;
const INDEXED_ASSETS = /^\/v1\.3\/(indexes|assets)\/[^/]+\/indexed-assets(\/|$)/;

const OWN_PATHS = `POST ${API_PREFIX}/search, GET ${API_PREFIX}/search/{page_token}, ${API_PREFIX}/indexes, ${API_PREFIX}/indexes/{index_id}/videos and (with a root) ${API_PREFIX}/tasks and ${API_PREFIX}/indexes/{index_id}/indexed-assets`;

function matchRoute(method: string, path: string): RouteMatch<ServeRoute> {
  try {
    return ROUTER.match(method, path);
  } catch (error) {
    if (path.startsWith(`${API_PREFIX}/search/`))
      throw new HttpFailure(
        400,
        'search_page_token_expired',
        'The page token is not one this server issued; make a new search request.',
      );
    throw error;
  }
}

/** Answers a request: its own route, else the upstream API (if any) for the rest of the API's paths. Returns the status sent. */
async function dispatch(ctx: Omit<ServeContext, 'params'>): Promise<number | Reply> {
  const { req, url, settings } = ctx;
  if (!apiKeyAccepted(settings.apiKey, req.headers)) throw UNAUTHORIZED();
  const method = (req.method ?? 'GET').toUpperCase();
  // With one library (--lib) serve runs no upload tasks nor indexed assets: they stay the upstream's.
  const ownTasks =
    ctx.tasks !== undefined ||
    !(url.pathname === TASK_PATHS || url.pathname.startsWith(`${TASK_PATHS}/`) || INDEXED_ASSETS.test(url.pathname));
  const matched: RouteMatch<ServeRoute> =
    ownTasks || settings.upstream === undefined ? matchRoute(method, url.pathname) : { kind: 'none' };
  if (matched.kind === 'found') return matched.route({ ...ctx, params: matched.params });
  if (matched.kind === 'wrong-method') throw methodNotAllowed(method, url.pathname);
  if (settings.upstream !== undefined && url.pathname.startsWith(`${API_PREFIX}/`))
    return forwardUpstream(req, ctx.res, url, API_PREFIX, settings.upstream, ctx.signal);
  throw noRoute(
    method,
    url.pathname,
    `this server answers ${OWN_PATHS}${settings.upstream === undefined ? ' (and forwards nothing: no upstream is set)' : ''}.`,
  );
}

function missingLibrary(): never {
  throw new InputError('give the server a library or a root folder of libraries');
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * After answering without reading the whole body (401, 413, a bad form): discard what still
 * arrives, never buffering it, so the client can finish sending and read the answer on a
 * connection that stays usable; a body still arriving after LINGER_MS has its connection cut.
 */
function discardRest(req: IncomingMessage): void {
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  const stop = (): void => {
    clearTimeout(timer);
    req.off('end', stop);
    socket.off('close', stop);
  };
  req.once('end', stop);
  socket.once('close', stop);
  req.resume();
}

function answer(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  sendReply(res, reply);
}

/**
 * `vsearch serve`: the TwelveLabs search endpoints (`POST /v1.3/search`, `GET /v1.3/search/{page_token}`)
 * over one local library, in the API's request and response shapes, so the official SDKs can
 * point at it. Query text and media are embedded through the library's client, with its query cache.
 */
export async function startSearchServer(options: SearchServerOptions): Promise<RunningSearchServer> {
  const settings: ServerSettings = serverSettings(options);
  const indexes: IndexSource =
    settings.root !== undefined ? rootSource(settings.root) : singleLibrarySource(settings.library ?? missingLibrary());
  const tasks =
    settings.root === undefined
      ? undefined
      : await TaskHub.open(settings.root, { maxFileBytes: settings.maxUploadBytes, onWarning: settings.onWarning });
  const spoolDir = await mkdtemp(join(tmpdir(), 'vsearch-serve-'));
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let status = 500;
    try {
      const reply = await dispatch({ req, res, url, settings, indexes, tasks, spoolDir, signal: shutdown.signal });
      if (typeof reply === 'number') status = reply;
      else {
        status = reply.status;
        answer(res, reply);
      }
    } catch (error) {
      const { failure, unexpected } = errorAnswer(error);
      if (unexpected) settings.onUnexpectedError(error);
      status = failure.status;
      answer(res, { status, body: errorBody('v1', failure) });
      if (!req.readableEnded) discardRest(req);
    } finally {
      settings.onRequest({
        method: req.method ?? 'GET',
        path: url.pathname,
        status,
        ms: Math.round(performance.now() - started),
      });
    }
  }

  const server = createServer((req, res) => {
    // handle() answers every error itself; this only guards against a throwing log callback.
    const done = handle(req, res).catch(() => void res.destroy());
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new InputError(`cannot listen on ${settings.host}:${settings.port}: ${error.message}`, { cause: error }),
        ),
      );
      server.listen(settings.port, settings.host, () => resolve());
    });
  } catch (error) {
    await rm(spoolDir, { recursive: true, force: true });
    await tasks?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled([...inFlight]),
        sleep(CLOSE_GRACE_MS, undefined, { signal: grace.signal }).catch(() => undefined),
      ]);
      grace.abort();
      shutdown.abort();
      server.closeAllConnections();
      await closed;
      await tasks?.close();
      await indexes.close();
      await rm(spoolDir, { recursive: true, force: true });
    })();
    return closing;
  };
  if (options.signal !== undefined) {
    if (options.signal.aborted) await close();
    else options.signal.addEventListener('abort', () => void close(), { once: true });
  }
  return { url: `http://${urlHost(settings.host)}:${port}${API_PREFIX}`, port, close };
}
