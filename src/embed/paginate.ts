import type { WirePageInfo } from './wire-types.js';

export interface Page<T> {
  items: T[];
  page: number;
  totalPages: number | undefined;
  totalResults: number | undefined;
}

export type PageLoader<T> = (
  page: number,
  signal: AbortSignal | undefined,
) => Promise<{ items: T[]; pageInfo: WirePageInfo | undefined }>;

/**
 * A list endpoint as an async iterable. `for await (const item of list)` walks items across
 * pages; `list.pages()` walks whole pages. Pages are fetched lazily, one at a time.
 */
export class Paginator<T> implements AsyncIterable<T> {
  constructor(
    private readonly load: PageLoader<T>,
    private readonly firstPage: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async *pages(): AsyncGenerator<Page<T>> {
    for (let page = this.firstPage; ; page++) {
      const { items, pageInfo } = await this.load(page, this.signal);
      const totalPages = pageInfo?.total_page;
      yield { items, page, totalPages, totalResults: pageInfo?.total_results };
      if (items.length === 0) return;
      if (totalPages !== undefined ? page >= totalPages : items.length < (pageInfo?.limit_per_page ?? Infinity)) return;
      if (totalPages === undefined && pageInfo?.limit_per_page === undefined) return;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Every item of every page, in order. */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this) all.push(item);
    return all;
  }
}
