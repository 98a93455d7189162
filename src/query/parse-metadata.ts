import type { Metadata } from '../types.js';

/** A segment's `metadata` column as an object; anything else reads as no metadata. */
export function parseMetadata(text: string): Metadata {
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
  } catch {
    return {};
  }
}
