import { Option } from 'commander';

/** Flags and checks about the API that need no client: commands import the client itself only when they call the API. */
export function baseUrlOption(): Option {
  return new Option(
    '--base-url <url>',
    'TwelveLabs API base URL (default $TWELVELABS_BASE_URL, else https://api.twelvelabs.io/v1.3)',
  );
}

export function hasApiKey(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['TWELVELABS_API_KEY']?.trim() || env['TWELVE_LABS_API_KEY']?.trim());
}
