import { Option } from 'commander';
import { TwelveLabsClient, type RetryInfo } from '../embed/index.js';

export function baseUrlOption(): Option {
  return new Option('--base-url <url>', 'TwelveLabs API base URL (default $TWELVELABS_BASE_URL, else https://api.twelvelabs.io/v1.3)');
}

export function hasApiKey(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['TWELVELABS_API_KEY']?.trim() || env['TWELVE_LABS_API_KEY']?.trim());
}

/** The client for a command, when an API key is set; commands that must call the API ask for it. */
export function clientFromEnvironment(options: { baseUrl?: string | undefined; concurrency?: number | undefined; onRetry?: (info: RetryInfo) => void }): TwelveLabsClient | undefined {
  if (!hasApiKey()) return undefined;
  return new TwelveLabsClient({ baseUrl: options.baseUrl, concurrency: options.concurrency, onRetry: options.onRetry });
}
