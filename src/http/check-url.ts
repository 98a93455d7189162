import { invalid } from './api-error.js';

/** A media URL the API may fetch: http or https only. */
export function checkUrl(value: string, field: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalid(field, 'It must be a publicly accessible http(s) URL.');
  }
  return value;
}
