import { describe, expect, it } from 'vitest';
import { Paginator } from '../../src/embed/paginate.js';

function pagesOf(
  total: number,
  limit: number,
  withTotalPage = true,
): { loader: ConstructorParameters<typeof Paginator<number>>[0]; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    loader: async (page) => {
      calls.push(page);
      const items = Array.from({ length: total }, (_, i) => i).slice((page - 1) * limit, page * limit);
      const pageInfo = withTotalPage
        ? { page, limit_per_page: limit, total_page: Math.max(1, Math.ceil(total / limit)), total_results: total }
        : { page, limit_per_page: limit };
      return { items, pageInfo };
    },
  };
}

describe('Paginator', () => {
  it('walks every item across pages and stops at total_page', async () => {
    const { loader, calls } = pagesOf(7, 3);
    expect(await new Paginator(loader, 1, undefined).toArray()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(calls).toEqual([1, 2, 3]);
  });
  it('without total_page, stops on a short page', async () => {
    const { loader, calls } = pagesOf(6, 3, false);
    expect(await new Paginator(loader, 1, undefined).toArray()).toHaveLength(6);
    expect(calls).toEqual([1, 2, 3]);
  });
  it('yields whole pages and fetches lazily', async () => {
    const { loader, calls } = pagesOf(10, 4);
    const pages = new Paginator(loader, 1, undefined).pages();
    const first = await pages.next();
    expect(first.value).toMatchObject({ items: [0, 1, 2, 3], page: 1, totalPages: 3, totalResults: 10 });
    expect(calls).toEqual([1]);
  });
  it('an empty list is one empty page', async () => {
    const { loader, calls } = pagesOf(0, 5);
    expect(await new Paginator(loader, 1, undefined).toArray()).toEqual([]);
    expect(calls).toEqual([1]);
  });
});
