import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpFailure, type ErrorFlavor } from './errors.js';
import type { EmulatorState } from './state.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  state: EmulatorState;
  /** http://host:port, for URLs that point back at the emulator. */
  origin: string;
}

export interface Route {
  method: string;
  /** e.g. "/embed-v2/tasks/{task_id}", relative to /v1.3 when `api` is true. */
  template: string;
  /** API routes need x-api-key and get faults by default. */
  api: boolean;
  flavor: ErrorFlavor;
  handle(ctx: RouteContext): Promise<Reply> | Reply;
}

export const JSON_LIMIT_BYTES = 64 * 1024 * 1024;

/** Reads a whole (JSON) body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = JSON_LIMIT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpFailure(413, 'request_too_large', `The request body exceeds ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    await drain(req);
    throw new HttpFailure(400, 'parameter_invalid', 'The request body must be JSON (Content-Type: application/json).', { field: 'content-type' });
  }
  const body = await readBody(req);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpFailure(400, 'parameter_invalid', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpFailure(400, 'parameter_invalid', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req as AsyncIterable<Buffer>) {
    // discard
  }
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(payload));
  } else {
    headers['content-length'] = '0';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Query integer with a default; 400 when present but not a positive integer. */
export function queryInt(url: URL, name: string, fallback: number, max = 1000): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new HttpFailure(400, 'parameter_invalid', `The ${name} parameter is invalid.`, { field: name });
  return value;
}

export interface Page<T> {
  data: T[];
  page_info: { limit_per_page: number; page: number; total_page: number; total_results: number };
}

export function paginate<T>(items: readonly T[], url: URL): Page<T> {
  const page = queryInt(url, 'page', 1, 1_000_000);
  const limit = queryInt(url, 'page_limit', 10, 50);
  const start = (page - 1) * limit;
  return {
    data: items.slice(start, start + limit),
    page_info: { limit_per_page: limit, page, total_page: Math.max(1, Math.ceil(items.length / limit)), total_results: items.length },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
