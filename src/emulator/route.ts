import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorFlavor, Reply } from '../http/index.js';
import type { EmulatorState } from './state.js';

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
