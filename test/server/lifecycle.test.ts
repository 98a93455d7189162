import { describe, expect, it } from 'vitest';
import type { SearchResponse } from '../../src/query/index.js';
import { type SearchableLibrary, startSearchServer } from '../../src/server/index.js';
import { postSearch, searchForm } from './serve-fixture.js';

const EMPTY: SearchResponse = {
  data: [],
  page_info: { limit_per_page: 10, total_results: 0 },
  search_pool: { total_count: 0, total_duration: 0, index_id: 'lib_slow' },
};

/** A library whose searches wait until released, to catch the server mid-request. */
function slowLibrary(): { library: SearchableLibrary; started: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  let markStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const library = {
    manifest: { id: 'lib_slow' },
    search: async () => {
      markStarted();
      await gate;
      return EMPTY;
    },
  } as unknown as SearchableLibrary;
  return { library, started, release };
}

const form = (): FormData => searchForm({ index_id: 'lib_slow', search_options: ['visual'], query_text: 'anything' });

describe('vsearch serve lifecycle', () => {
  it('close() lets an in-flight search finish, then refuses new connections', async () => {
    const slow = slowLibrary();
    const server = await startSearchServer({ library: slow.library });
    const inFlight = postSearch(server, form());
    await slow.started;
    const closing = server.close();
    slow.release();
    expect((await inFlight).status).toBe(200);
    await closing;
    await expect(fetch(`${server.url}/search`, { method: 'POST', body: form() })).rejects.toThrow();
  });

  it('closes when its signal aborts, and logs one entry per request', async () => {
    const controller = new AbortController();
    const logged: string[] = [];
    const slow = slowLibrary();
    slow.release();
    const server = await startSearchServer({
      library: slow.library,
      signal: controller.signal,
      onRequest: (entry) => logged.push(`${entry.method} ${entry.path} ${entry.status}`),
    });
    expect((await postSearch(server, form())).status).toBe(200);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
    expect(logged).toEqual(['POST /v1.3/search 200', 'GET /v1.3/nothing 404']);
    controller.abort();
    await server.close();
    await expect(fetch(`${server.url}/search`, { method: 'POST', body: form() })).rejects.toThrow();
  });
});
