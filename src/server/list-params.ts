import { invalid, type Page, pageSlice, queryInt } from '../http/index.js';

/** The API's list parameters: page, page_limit, sort_by, sort_option, and date filters. */
export interface ListParams {
  page: number;
  limit: number;
  sortBy: string;
  descending: boolean;
  /** Whether `value` (RFC 3339) passes the `field` filter (at or after the time given), if any. */
  since(field: 'created_at' | 'updated_at', value: string): boolean;
}

function timeFilter(url: URL, field: string): number | undefined {
  const raw = url.searchParams.get(field);
  if (raw === null || raw === '') return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time))
    throw invalid(field, `Use an RFC 3339 date and time, such as 2024-01-02T15:04:05Z; got ${JSON.stringify(raw)}.`);
  return time;
}

export function listParams(url: URL, sorts: readonly string[]): ListParams {
  const sortBy = url.searchParams.get('sort_by') ?? 'created_at';
  if (!sorts.includes(sortBy))
    throw invalid('sort_by', `Use one of ${sorts.join(', ')}; got ${JSON.stringify(sortBy)}.`);
  const option = url.searchParams.get('sort_option') ?? 'desc';
  if (option !== 'asc' && option !== 'desc')
    throw invalid('sort_option', `Use asc or desc; got ${JSON.stringify(option)}.`);
  const created = timeFilter(url, 'created_at');
  const updated = timeFilter(url, 'updated_at');
  return {
    page: queryInt(url, 'page', 1, 1_000_000),
    limit: queryInt(url, 'page_limit', 10, 50),
    sortBy,
    descending: option === 'desc',
    since: (field, value) => {
      const bound = field === 'created_at' ? created : updated;
      return bound === undefined || Date.parse(value) >= bound;
    },
  };
}

export function sortItems<T>(
  items: readonly T[],
  params: ListParams,
  key: (item: T, field: string) => string | number,
): T[] {
  const sign = params.descending ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = key(a, params.sortBy);
    const y = key(b, params.sortBy);
    return x < y ? -sign : x > y ? sign : 0;
  });
}

export function pageOf<T>(items: readonly T[], params: ListParams): Page<T> {
  return pageSlice(items, params.page, params.limit);
}

/** The `status` filter: repeated or comma-separated, each one of `allowed`. */
export function statusParam(url: URL, allowed: readonly string[]): string[] {
  const statuses = url.searchParams
    .getAll('status')
    .flatMap((value) => value.split(','))
    .filter((value) => value !== '');
  const unknown = statuses.filter((status) => !allowed.includes(status));
  if (unknown.length > 0)
    throw invalid(
      'status',
      `Use ${allowed.join(', ')}; got ${unknown.map((status) => JSON.stringify(status)).join(', ')}.`,
    );
  return statuses;
}
