import { nestsTooDeep } from '../json-limits.js';
import type { Metadata } from '../types.js';

/**
 * A segment's `metadata` column as an object; anything else reads as no metadata, and so does
 * metadata nested past the limit for JSON input (only a library written before that limit can
 * hold it), which every later JSON.stringify of a hit would overflow the stack on.
 */
export function parseMetadata(text: string): Metadata {
  if (text === '' || nestsTooDeep(text)) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
  } catch {
    return {};
  }
}
