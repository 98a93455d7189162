import { InputError } from '../errors.js';

/** The origin (scheme, host, port) of an API base URL: what the query cache keys embeddings by. */
export function originOf(baseUrl: string, what = 'the API base URL'): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InputError(
      `${what} ${JSON.stringify(baseUrl)} is not a URL; give one like https://api.twelvelabs.io or http://127.0.0.1:4010`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`${what} ${JSON.stringify(baseUrl)} is not an http(s) URL`);
  return url.origin;
}
