import { invalid } from '../http/index.js';
import type { Metadata } from '../types.js';

export interface Range {
  gte?: number;
  lte?: number;
}

function numberOf(raw: string, field: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value))
    throw invalid(field, `It must be a number; got ${JSON.stringify(raw)}.`);
  return value;
}

/**
 * A numeric filter as the SDK sends it (`duration[gte]=2&duration[lte]=9`), as JSON
 * (`duration={"gte":2}`), or one number for an exact match.
 */
export function rangeParam(url: URL, field: string): Range | undefined {
  const range: Range = {};
  for (const bound of ['gte', 'lte'] as const) {
    const raw = url.searchParams.get(`${field}[${bound}]`);
    if (raw !== null) range[bound] = numberOf(raw, `${field}[${bound}]`);
  }
  const whole = url.searchParams.get(field);
  if (whole !== null) {
    if (whole.trim().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(whole);
      } catch {
        throw invalid(field, 'It is not valid JSON; pass {"gte": N, "lte": N}.');
      }
      for (const bound of ['gte', 'lte'] as const) {
        const value = (parsed as Record<string, unknown>)[bound];
        if (value === undefined) continue;
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw invalid(`${field}.${bound}`, 'It must be a number.');
        range[bound] = value;
      }
    } else {
      const exact = numberOf(whole, field);
      range.gte = exact;
      range.lte = exact;
    }
  }
  return range.gte === undefined && range.lte === undefined ? undefined : range;
}

export function inRange(value: number | undefined, range: Range | undefined): boolean {
  if (range === undefined) return true;
  if (value === undefined) return false;
  return (range.gte === undefined || value >= range.gte) && (range.lte === undefined || value <= range.lte);
}

/** The list parameters the API names; any other query parameter is a user_metadata filter. */
const LIST_PARAMETERS = new Set([
  'page',
  'page_limit',
  'sort_by',
  'sort_option',
  'filename',
  'created_at',
  'updated_at',
  'user_metadata',
]);
const RANGE_PARAMETER = /^(duration|fps|width|height|size)(\[(gte|lte)\])?$/;

export type MetadataFilter = Record<string, string | number | boolean>;

/**
 * The user_metadata filter: `user_metadata` as a JSON object, and every query parameter the
 * API does not name (`?category=recentlyAdded`, as the docs and the SDK send it). Each key
 * must equal the video's value; a value given as text also matches a number or boolean that reads the same.
 */
export function metadataParam(url: URL, otherParameters: readonly string[] = []): MetadataFilter | undefined {
  const wanted: MetadataFilter = {};
  const raw = url.searchParams.get('user_metadata');
  if (raw !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalid('user_metadata', 'It must be a JSON object of keys and string, number or boolean values.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw invalid('user_metadata', 'It must be a JSON object.');
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        throw invalid(`user_metadata.${key}`, 'Values must be strings, numbers or booleans.');
      wanted[key] = value;
    }
  }
  for (const [key, value] of url.searchParams) {
    if (!LIST_PARAMETERS.has(key) && !RANGE_PARAMETER.test(key) && !otherParameters.includes(key)) wanted[key] = value;
  }
  return Object.keys(wanted).length === 0 ? undefined : wanted;
}

export function metadataMatches(metadata: Metadata, wanted: MetadataFilter | undefined): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(([key, value]) => {
    const have = metadata[key];
    return (
      have === value ||
      (typeof value === 'string' && (typeof have === 'number' || typeof have === 'boolean') && String(have) === value)
    );
  });
}
