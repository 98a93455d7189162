import { InputError } from '../errors.js';
import { checkJsonText, checkJsonValue } from '../json-limits.js';
import type { JsonValue, Metadata } from '../types.js';

/** What a filter sees of a segment: its video's system fields and the segment's user metadata. */
export interface FilterSubject {
  videoId: string;
  durationSec: number;
  filename: string;
  metadata: Metadata;
}

/** The filter object of the search API (its `filter` form field), checked. */
export type SearchFilter = { [key: string]: JsonValue };

interface Range {
  gte: number | undefined;
  lte: number | undefined;
}

type Scalar = string | number | boolean;
type Condition = (subject: FilterSubject) => boolean;

const RANGE_OPERATORS = ['gte', 'lte'];

/**
 * Checks a filter (an object, or its JSON text as the API sends it) and returns it as an
 * object. System fields: `id` (a video id or an array of them), `duration` (the video's
 * duration: a number or {gte, lte}), `filename` (the exact base name of the segment's
 * source). Any other key is user metadata: a string, number or boolean for equality, an
 * array of them for "any of", or {gte, lte} for a numeric range. The filter must be within
 * the limits for JSON input (MAX_JSON_BYTES, MAX_JSON_DEPTH).
 */
export function parseSearchFilter(value: unknown): SearchFilter {
  let filter = value;
  if (typeof value === 'string') {
    checkJsonText(value, 'the filter');
    try {
      filter = JSON.parse(value);
    } catch {
      throw new InputError(
        `the filter is not valid JSON: ${JSON.stringify(value)}; pass an object such as {"id": ["v1", "v2"], "duration": {"gte": 60}}`,
      );
    }
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new InputError(
      `the filter must be a JSON object such as {"duration": {"gte": 60}}, got ${JSON.stringify(filter)}`,
    );
  }
  const checked = filter as SearchFilter;
  if (typeof value !== 'string') checkJsonValue(checked, 'the filter');
  compileSearchFilter(checked);
  return checked;
}

/** The filter as one predicate; throws InputError naming the field that is wrong. */
export function compileSearchFilter(filter: SearchFilter): (subject: FilterSubject) => boolean {
  const conditions: Condition[] = Object.entries(filter).map(([field, value]) => conditionOf(field, value));
  return (subject) => conditions.every((condition) => condition(subject));
}

function conditionOf(field: string, value: JsonValue): Condition {
  if (field === 'id') {
    const ids =
      typeof value === 'string'
        ? [value]
        : Array.isArray(value) && value.length > 0 && value.every((id) => typeof id === 'string')
          ? (value as string[])
          : undefined;
    if (ids === undefined)
      throw new InputError(
        `filter field "id" takes a video id or a non-empty array of video ids, got ${JSON.stringify(value)}`,
      );
    const wanted = new Set(ids);
    return (subject) => wanted.has(subject.videoId);
  }
  if (field === 'duration') {
    if (typeof value === 'number' && Number.isFinite(value)) return (subject) => subject.durationSec === value;
    const range = rangeOf(field, value);
    return (subject) => inRange(subject.durationSec, range);
  }
  if (field === 'filename') {
    if (typeof value !== 'string')
      throw new InputError(`filter field "filename" takes an exact file name (a string), got ${JSON.stringify(value)}`);
    return (subject) => subject.filename === value;
  }
  if (isScalar(value)) return (subject) => subject.metadata[field] === value;
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isScalar)) {
      throw new InputError(
        `filter field ${JSON.stringify(field)}: an array means "any of" and needs one or more strings, numbers or booleans, got ${JSON.stringify(value)}`,
      );
    }
    const wanted = new Set<unknown>(value);
    return (subject) => wanted.has(subject.metadata[field]);
  }
  const range = rangeOf(field, value);
  return (subject) => {
    const actual = subject.metadata[field];
    return typeof actual === 'number' && inRange(actual, range);
  };
}

function rangeOf(field: string, value: JsonValue): Range {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `filter field ${JSON.stringify(field)} takes a number or {"gte": number, "lte": number}, got ${JSON.stringify(value)}`,
    );
  }
  const unknown = Object.keys(value).filter((key) => !RANGE_OPERATORS.includes(key));
  if (unknown.length > 0)
    throw new InputError(
      `filter field ${JSON.stringify(field)}: unknown operator(s) ${unknown.join(', ')}; the filter knows gte and lte`,
    );
  const bound = (name: 'gte' | 'lte'): number | undefined => {
    const raw = value[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'number' || !Number.isFinite(raw))
      throw new InputError(`filter field ${JSON.stringify(field)}: ${name} takes a number, got ${JSON.stringify(raw)}`);
    return raw;
  };
  const range = { gte: bound('gte'), lte: bound('lte') };
  if (range.gte === undefined && range.lte === undefined)
    throw new InputError(`filter field ${JSON.stringify(field)}: a range needs gte, lte or both`);
  if (range.gte !== undefined && range.lte !== undefined && range.gte > range.lte) {
    throw new InputError(
      `filter field ${JSON.stringify(field)}: gte ${range.gte} is above lte ${range.lte}, so nothing could match`,
    );
  }
  return range;
}

function inRange(actual: number, range: Range): boolean {
  return (range.gte === undefined || actual >= range.gte) && (range.lte === undefined || actual <= range.lte);
}

function isScalar(value: JsonValue): value is Scalar {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

/** The file name of a segment's source: its last path segment, without a URL's query or fragment. */
export function filenameOf(source: string): string {
  const path = /^https?:\/\//i.test(source) ? (source.split(/[?#]/)[0] ?? source) : source;
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}
