import { HttpFailure } from './api-error.js';

/** Query integer with a default; 400 when present but not an integer from 1 to `max`. */
export function queryInt(url: URL, name: string, fallback: number, max = 1000): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new HttpFailure(400, 'parameter_invalid', `The ${name} parameter is invalid.`, { field: name });
  return value;
}

export interface Page<T> {
  data: T[];
  page_info: { limit_per_page: number; page: number; total_page: number; total_results: number };
}

/** The API's page / page_limit pagination over a list already filtered and sorted. */
export function paginate<T>(items: readonly T[], url: URL): Page<T> {
  return pageSlice(items, queryInt(url, 'page', 1, 1_000_000), queryInt(url, 'page_limit', 10, 50));
}

/** Page `page` (1-based) of `limit` items. */
export function pageSlice<T>(items: readonly T[], page: number, limit: number): Page<T> {
  const start = (page - 1) * limit;
  return {
    data: items.slice(start, start + limit),
    page_info: {
      limit_per_page: limit,
      page,
      total_page: Math.max(1, Math.ceil(items.length / limit)),
      total_results: items.length,
    },
  };
}
