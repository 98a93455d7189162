import { compileSearchFilter, type SearchFilter } from '../query/search-filter.js';
import type { JsonValue } from '../types.js';

/** A WHERE condition over `vsearch_segments` and the parameters it names ($first, $first+1, ...). */
interface SqlCondition {
  sql: string;
  params: unknown[];
}

/** What the filter needs that the segments table does not hold: each video's duration (derived, not stored). */
interface FilterFacts {
  durations: ReadonlyMap<string, number>;
}

/**
 * The search filter (src/query/search-filter.ts grammar) as SQL over the segments table:
 * user metadata through jsonb, `id` and `filename` over the video and source columns, and
 * `duration` as the videos whose duration (known to the caller, not to the table) matches.
 * The filter is checked by the same compiler as the local path first, so a bad filter is the
 * same InputError on both backends. Matches exactly the segments `compileSearchFilter` accepts.
 */
export function searchFilterSql(filter: SearchFilter, facts: FilterFacts, firstParam: number): SqlCondition {
  compileSearchFilter(filter);
  const params: unknown[] = [];
  const param = (value: unknown, cast: string): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}::${cast}`;
  };
  const conditions = Object.entries(filter).map(([field, value]) => conditionOf(field, value, facts, param));
  return { sql: conditions.length === 0 ? 'TRUE' : conditions.map((c) => `(${c})`).join(' AND '), params };
}

type Param = (value: unknown, cast: string) => string;

function conditionOf(field: string, value: JsonValue, facts: FilterFacts, param: Param): string {
  if (field === 'id') return `video_id = ANY(${param(typeof value === 'string' ? [value] : value, 'text[]')})`;
  if (field === 'duration') {
    const matching = [...facts.durations].filter(([, seconds]) => durationMatches(seconds, value)).map(([id]) => id);
    return `video_id = ANY(${param(matching, 'text[]')})`;
  }
  // The last path segment of the source, without a URL's query or fragment (filenameOf).
  if (field === 'filename')
    return `regexp_replace(CASE WHEN source ~* '^https?://' THEN regexp_replace(source, '[?#].*$', '') ELSE source END, '^.*[/\\\\]', '') = ${param(value, 'text')}`;
  const key = param(field, 'text');
  if (Array.isArray(value))
    return `metadata -> ${key} = ANY(${param(
      value.map((v) => JSON.stringify(v)),
      'jsonb[]',
    )})`;
  if (typeof value !== 'object' || value === null)
    return `metadata -> ${key} = ${param(JSON.stringify(value), 'jsonb')}`;
  const number = `(CASE WHEN jsonb_typeof(metadata -> ${key}) = 'number' THEN (metadata ->> ${key})::float8 END)`;
  const bounds: string[] = [];
  if (typeof value.gte === 'number') bounds.push(`${number} >= ${param(value.gte, 'float8')}`);
  if (typeof value.lte === 'number') bounds.push(`${number} <= ${param(value.lte, 'float8')}`);
  return bounds.join(' AND ');
}

function durationMatches(seconds: number, value: JsonValue): boolean {
  if (typeof value === 'number') return seconds === value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { gte, lte } = value;
  return (typeof gte !== 'number' || seconds >= gte) && (typeof lte !== 'number' || seconds <= lte);
}
