import { type RetryInfo, TwelveLabsClient } from '../embed/index.js';
import { hasApiKey } from './api-options.js';

export { baseUrlOption, hasApiKey } from './api-options.js';

/** The client for a command, when an API key is set; commands that must call the API ask for it. */
export function clientFromEnvironment(options: {
  baseUrl?: string | undefined;
  concurrency?: number | undefined;
  onRetry?: (info: RetryInfo) => void;
}): TwelveLabsClient | undefined {
  if (!hasApiKey()) return undefined;
  return new TwelveLabsClient({ baseUrl: options.baseUrl, concurrency: options.concurrency, onRetry: options.onRetry });
}
