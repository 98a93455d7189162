import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClip, ApiSearchResults } from '../../src/server/index.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import {
  type ApiError,
  getPage,
  keyOf,
  postSearch,
  type Served,
  searchForm,
  serveMediaSamples,
  TEST_CARD_PNG,
  useMediaSamplesEmulator,
} from './serve-fixture.js';

/** The embedding API behind the server: each query embedded once, its failures mapped to the API's answers. */
let dir: string;
let served: Served;

const suiteDir = useSuiteTempDir();
const mediaEmulator = useMediaSamplesEmulator();
beforeAll(async () => {
  dir = suiteDir();
  served = await serveMediaSamples(dir, mediaEmulator());
});
afterAll(async () => {
  await served?.close();
});

const form = (text: string, extra: Record<string, string> = {}): FormData =>
  searchForm({ index_id: served.lib.manifest.id, search_options: ['visual'], query_text: text, ...extra });

describe('vsearch serve and its upstream', () => {
  it('embeds a query once: repeats come from the query cache, pages from their record', async () => {
    served.emu.reset();
    const first = await postSearch<ApiSearchResults>(served.server, form('a meadow at dawn', { page_limit: '1' }));
    const again = await postSearch<ApiSearchResults>(served.server, form('a meadow at dawn', { page_limit: '1' }));
    expect(again.body.data).toEqual(first.body.data);
    await getPage(served.server, first.body.page_info.next_page_token as string);
    expect(served.emu.stats().sync_embeds).toBe(1);
  });

  it('embeds an uploaded image once: the same bytes again come from the query cache', async () => {
    served.emu.reset();
    const upload = (filename: string) =>
      searchForm(
        { index_id: served.lib.manifest.id, search_options: ['visual'], query_media_type: 'image', page_limit: 2 },
        [{ name: 'query_media_file', bytes: TEST_CARD_PNG, filename }],
      );
    const first = await postSearch<ApiSearchResults>(served.server, upload('card.png'));
    const second = await postSearch<ApiSearchResults>(served.server, upload('same-card-other-name.png'));
    expect(first.status).toBe(200);
    expect((first.body.data as ApiClip[])[0]?.video_id).toBe('test-card-16x9.avi');
    expect(second.body.data).toEqual(first.body.data);
    expect(served.emu.stats().sync_embeds).toBe(1);
  });

  it('maps upstream trouble: 429 when rate limited, 502 when it fails; never 500', async () => {
    served.emu.setFaults({ rate_429: 1, retry_after_sec: 0, routes: ['POST /embed-v2'] });
    const limited = await postSearch<ApiError>(served.server, form('a rate limited query'));
    expect([limited.status, limited.body.code]).toEqual([429, 'too_many_requests']);
    served.emu.setFaults({ rate_5xx: 1, routes: ['POST /embed-v2'] });
    const failing = await postSearch<ApiError>(served.server, form('a failing query'));
    expect([failing.status, failing.body.code]).toEqual([502, 'upstream_error']);
    expect(failing.body.message).not.toContain('tlk_');
    served.emu.setFaults({});
    const fine = await postSearch<ApiSearchResults>(served.server, form('a failing query'));
    expect(fine.status).toBe(200);
  });

  it('answers concurrent searches, each with its own pages', async () => {
    const texts = ['a rabbit', 'a butterfly', 'a test card', 'a tone', 'a meadow', 'flowers', 'a screen', 'a burrow'];
    const firsts = await Promise.all(
      texts.map((text) =>
        postSearch<ApiSearchResults>(
          served.server,
          searchForm({
            index_id: served.lib.manifest.id,
            search_options: ['visual', 'audio'],
            query_text: text,
            page_limit: 3,
          }),
        ),
      ),
    );
    const seconds = await Promise.all(
      firsts.map((first) => getPage<ApiSearchResults>(served.server, first.body.page_info.next_page_token as string)),
    );
    for (const [i, text] of texts.entries()) {
      const expected = (await served.lib.search({ text, searchOptions: ['visual', 'audio'], pageLimit: 6 })).data;
      const walked = [...((firsts[i]?.body.data ?? []) as ApiClip[]), ...((seconds[i]?.body.data ?? []) as ApiClip[])];
      expect(
        walked.map((hit) => hit.score),
        text,
      ).toEqual(expected.map((hit) => hit.score));
      expect(new Set(walked.map(keyOf)).size, text).toBe(new Set(expected.map(keyOf)).size);
    }
  });
});
