import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';

export const KEY = 'test-key';

type RequestBody = NonNullable<RequestInit['body']>;

export const REFERENCE_DIR = fileURLToPath(new URL('../../../shared/reference/', import.meta.url));
export const HAVE_REFERENCE = existsSync(REFERENCE_DIR);

/** Long enough that a test's next call still sees a new task or asset `processing`, however loaded the machine. */
export const PROCESSING_MS = 1500;

/** What every emulator of these tests starts with, unless a test says otherwise. */
export const EMULATOR_OPTIONS = { apiKey: KEY, taskDelayMs: 50 };

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function call(
  emu: RunningEmulator,
  method: string,
  path: string,
  init: {
    json?: unknown;
    form?: FormData;
    body?: RequestBody;
    key?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) headers['x-api-key'] = init.key ?? KEY;
  let body: RequestBody | undefined = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  if (init.form !== undefined) body = init.form;
  const url = path.startsWith('http')
    ? path
    : path.startsWith('/__')
      ? emu.baseUrl.replace(/\/v1\.3$/, '') + path
      : emu.baseUrl + path;
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if (text.length > 0 && (response.headers.get('content-type') ?? '').includes('json'))
    json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, text, json };
}

export function vectorsOf(body: Record<string, unknown>): number[][] {
  const data = body['data'] as Array<{ embedding: number[] }>;
  return data.map((item) => item.embedding);
}

export function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
}

export async function waitFor<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Uploads `form` as a v1 embed task (the answer must be 200), waits until it is ready, and gives the task. */
export async function readyV1Task(emu: RunningEmulator, form: FormData): Promise<ApiResponse> {
  const created = await call(emu, 'POST', '/embed/tasks', { form });
  expect(created.status).toBe(200);
  const id = created.json['_id'] as string;
  await waitFor(
    () => call(emu, 'GET', `/embed/tasks/${id}/status`),
    (r) => r.json['status'] === 'ready',
  );
  return call(emu, 'GET', `/embed/tasks/${id}`);
}

export function textRequest(text: string, model = 'marengo3.0'): Record<string, unknown> {
  return { input_type: 'text', model_name: model, text: { input_text: text } };
}
