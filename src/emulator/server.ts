import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorBody, HttpFailure, UNAUTHORIZED, type ErrorFlavor } from './errors.js';
import { drain, sendReply, type Reply, type Route } from './http.js';
import { analyzeRoutes } from './routes-analyze.js';
import { assetRoutes } from './routes-assets.js';
import { controlRoutes } from './routes-control.js';
import { embedV1Routes } from './routes-embed-v1.js';
import { embedV2Routes } from './routes-embed-v2.js';
import type { EmulatorState } from './state.js';

export const API_PREFIX = '/v1.3';

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
  key: string;
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const prefix = route.api ? API_PREFIX.replace('.', '\\.') : '';
  return { route, pattern: new RegExp(`^${prefix}${source}/?$`), names, key: `${route.method} ${route.template}` };
}

// Literal paths win over parameterized ones (GET /assets/multipart-uploads vs GET /assets/{asset_id}).
const ROUTES: CompiledRoute[] = [...embedV2Routes, ...embedV1Routes, ...assetRoutes, ...analyzeRoutes, ...controlRoutes]
  .map(compile)
  .sort((a, b) => a.names.length - b.names.length);

interface Match {
  compiled: CompiledRoute;
  params: Record<string, string>;
}

function match(method: string, path: string): { found?: Match; pathExists: boolean } {
  let pathExists = false;
  for (const compiled of ROUTES) {
    const m = compiled.pattern.exec(path);
    if (m === null) continue;
    pathExists = true;
    if (compiled.route.method !== method) continue;
    const params: Record<string, string> = {};
    compiled.names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { found: { compiled, params }, pathExists };
  }
  return { pathExists };
}

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
    const { found, pathExists } = match(method, url.pathname);
    const flavor: ErrorFlavor = found?.compiled.route.flavor ?? 'v1';
    const isApi = found?.compiled.route.api ?? url.pathname.startsWith(`${API_PREFIX}/`);
    const routeKey = found?.compiled.key ?? `${method} <unmatched>`;
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
          const failure = fault.status === 503
            ? new HttpFailure(503, 'service_unavailable', 'The service is temporarily unavailable. Please try again later.')
            : new HttpFailure(500, 'internal_error', 'An internal error occurred. Please try again later.');
          reply = failureReply(flavor, failure);
        } else if (found === undefined) {
          await drain(req);
          reply = pathExists
            ? failureReply(flavor, new HttpFailure(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}.`))
            : failureReply(flavor, new HttpFailure(404, 'not_found', `No route for ${method} ${url.pathname}.`));
        } else {
          const path = concreteKey.slice(method.length + 1);
          const holdable = found.compiled.route.api;
          if (holdable) await state.holds.pass(method, path, found.compiled.route.template, 'request');
          reply = await found.compiled.route.handle({ req, res, url, params: found.params, state, origin });
          if (holdable) await state.holds.pass(method, path, found.compiled.route.template, 'answer');
        }
      }
      status = reply.status;
      if (!req.readableEnded && reply.status >= 400) await drain(req).catch(() => undefined);
      sendReply(res, reply);
    } catch (error) {
      const failure = error instanceof HttpFailure ? error : new HttpFailure(500, 'internal_error', `Emulator error: ${(error as Error).message}`);
      if (!(error instanceof HttpFailure)) process.stderr.write(`vsearch emulator: ${(error as Error).stack ?? String(error)}\n`);
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
  const failure = new HttpFailure(429, 'too_many_requests', `You have exceeded the rate limit (600/1m). Please try again later after ${resetAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`);
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
