import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IndexSource } from './index-source.js';
import type { ServerSettings } from './server-options.js';
import type { TaskHub } from './task-hub.js';

/** What a route of `vsearch serve` gets. */
export interface ServeContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  settings: ServerSettings;
  indexes: IndexSource;
  /** The upload tasks (`--root` only). */
  tasks: TaskHub | undefined;
  /** Where uploaded query files are written while their search runs. */
  spoolDir: string;
  /** Aborted when the server shuts down. */
  signal: AbortSignal;
}
