import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  API_PREFIX,
  drain,
  type ErrorFlavor,
  errorBody,
  HttpFailure,
  methodNotAllowed,
  noRoute,
  type Reply,
  type RouteMatch,
  Router,
  sendReply,
  UNAUTHORIZED,
} from '../http/index.js';
import type { Route } from './route.js';
import { analyzeRoutes } from './routes-analyze.js';
import { assetRoutes } from './routes-assets.js';
import { controlRoutes } from './routes-control.js';
import { embedV1Routes } from './routes-embed-v1.js';
import { embedV2Routes } from './routes-embed-v2.js';
import type { EmulatorState } from './state.js';

// Literal paths win over parameterized ones (GET /assets/multipart-uploads vs GET /assets/{asset_id}).
const ROUTER = new Router<Route>(
  [...embedV2Routes, ...embedV1Routes, ...assetRoutes, ...analyzeRoutes, ...controlRoutes].map((route) => ({
    method: route.method,
    path: `${route.api ? API_PREFIX : ''}${route.template}`,
    route,
  })),
);

function failureReply(flavor: ErrorFlavor, failure: HttpFailure): Reply {
  return { status: failure.status, body: errorBody(flavor, failure) };
}

function keyAccepted(state: EmulatorState, header: string | string[] | undefined): boolean {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key.trim() === '') return false;
  return state.options.apiKey === undefined || key === state.options.apiKey;
}

export function createEmulatorServer(state: EmulatorState): Server {
  let requestCounter = 0;
  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const address = server.address() as AddressInfo | null;
    const host = req.headers.host ?? (address === null ? 'localhost' : `127.0.0.1:${address.port}`);
    const origin = `http://${host}`;
    const url = new URL(req.url ?? '/', origin);
    requestCounter += 1;
    res.setHeader('x-request-id', `emu-${state.options.seed}-${requestCounter}`);
    let matched: RouteMatch<Route>;
    try {
      matched = ROUTER.match(method, url.pathname);
    } catch (error) {
      sendReply(res, failureReply('v1', error instanceof HttpFailure ? error : noRoute(method, url.pathname)));
      return;
    }
    const found = matched.kind === 'found' ? matched : undefined;
    const flavor: ErrorFlavor = found?.route.flavor ?? 'v1';
    const isApi = found?.route.api ?? url.pathname.startsWith(`${API_PREFIX}/`);
    const routeKey = found === undefined ? `${method} <unmatched>` : `${method} ${found.route.template}`;
    const concreteKey = `${method} ${url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : url.pathname}`;
    const counted = !url.pathname.startsWith('/__emulator/');
    let status: number | 'dropped' = 500;
    try {
      let reply: Reply;
      if (isApi && !keyAccepted(state, req.headers['x-api-key'])) {
        await drain(req);
        reply = failureReply(flavor, UNAUTHORIZED());
      } else {
        const faulty = found !== undefined && state.faults.applies(routeKey, concreteKey, isApi);
        if (faulty && state.faults.latencyMs > 0) await sleep(state.faults.latencyMs);
        const fault = faulty ? state.faults.decide() : { kind: 'none' as const };
        if (fault.kind === 'drop') {
          status = 'dropped';
          req.socket.destroy();
          return;
        }
        if (fault.kind === '429') {
          await drain(req);
          reply = fault.headers ? rateLimited(flavor, state.faults.retryAfterSec) : { status: 429 };
        } else if (fault.kind === '5xx') {
          await drain(req);
          const failure =
            fault.status === 503
              ? new HttpFailure(
                  503,
                  'service_unavailable',
                  'The service is temporarily unavailable. Please try again later.',
                )
              : new HttpFailure(500, 'internal_error', 'An internal error occurred. Please try again later.');
          reply = failureReply(flavor, failure);
        } else if (found === undefined) {
          await drain(req);
          reply = failureReply(
            flavor,
            matched.kind === 'wrong-method' ? methodNotAllowed(method, url.pathname) : noRoute(method, url.pathname),
          );
        } else {
          const path = concreteKey.slice(method.length + 1);
          const holdable = found.route.api;
          if (holdable) await state.holds.pass(method, path, found.route.template, 'request');
          reply = await found.route.handle({ req, res, url, params: found.params, state, origin });
          if (holdable) await state.holds.pass(method, path, found.route.template, 'answer');
        }
      }
      status = reply.status;
      if (!req.readableEnded && reply.status >= 400) await drain(req).catch(() => undefined);
      sendReply(res, reply);
    } catch (error) {
      const failure =
        error instanceof HttpFailure
          ? error
          : new HttpFailure(500, 'internal_error', `Emulator error: ${(error as Error).message}`);
      if (!(error instanceof HttpFailure))
        process.stderr.write(`vsearch emulator: ${(error as Error).stack ?? String(error)}\n`);
      status = failure.status;
      if (!req.readableEnded) await drain(req).catch(() => undefined);
      if (!res.headersSent && !res.destroyed) sendReply(res, failureReply(flavor, failure));
    } finally {
      if (counted) state.stats.record(routeKey, status);
    }
  }

  return server;
}

function rateLimited(flavor: ErrorFlavor, retryAfterSec: number): Reply {
  const resetAt = new Date(Date.now() + retryAfterSec * 1000);
  const failure = new HttpFailure(
    429,
    'too_many_requests',
    `You have exceeded the rate limit (600/1m). Please try again later after ${resetAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`,
  );
  return {
    status: 429,
    body: errorBody(flavor, failure),
    headers: {
      'retry-after': String(Math.ceil(retryAfterSec)),
      'x-ratelimit-limit': '600',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil(resetAt.getTime() / 1000)),
    },
  };
}
