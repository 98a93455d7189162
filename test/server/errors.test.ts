import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApiSearchResults,
  type RunningSearchServer,
  type SearchableLibrary,
  startSearchServer,
} from '../../src/server/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import {
  type ApiError,
  getPage,
  postSearch,
  type Served,
  searchForm,
  serveMediaSamples,
  useMediaSamplesEmulators,
} from './serve-fixture.js';

const tempDir = useTempDirs();
const mediaEmulator = useMediaSamplesEmulators();
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

async function serve(): Promise<Served> {
  const served = await serveMediaSamples(await tempDir(), await mediaEmulator());
  open.push(served);
  return served;
}

const DOCS_URL = 'https://docs.twelvelabs.io/v1.3/api-reference/error-codes';

describe("vsearch serve answers bad requests with the API's error bodies", () => {
  it('400 with parameter codes: wrong index_id, missing fields, invalid filter, page_limit, enums, no query', async () => {
    const { server, lib } = await serve();
    const index_id = lib.manifest.id;
    const base = { index_id, search_options: ['visual'], query_text: 'a rabbit' };
    const cases: [Record<string, string | readonly string[]>, string, RegExp][] = [
      [
        { ...base, index_id: '6298d673f1090f1100476d4c' },
        'index_not_exists',
        new RegExp(`"6298d673f1090f1100476d4c" does not exist.*${index_id}`),
      ],
      [{ search_options: ['visual'], query_text: 'a rabbit' }, 'parameter_not_provided', /index_id/],
      [{ index_id, query_text: 'a rabbit' }, 'parameter_not_provided', /search_options/],
      [
        { ...base, filter: '{"duration": {"gte": "long"}}' },
        'parameter_invalid',
        /The filter parameter is invalid.*gte takes a number/,
      ],
      [{ ...base, filter: 'not json' }, 'parameter_invalid', /The filter parameter is invalid.*not valid JSON/],
      [{ ...base, page_limit: '0' }, 'parameter_invalid', /page_limit.*1 to 50/],
      [{ ...base, page_limit: '51' }, 'parameter_invalid', /page_limit/],
      [{ ...base, page_limit: 'ten' }, 'parameter_invalid', /page_limit/],
      [{ ...base, search_options: ['visual', 'smell'] }, 'parameter_invalid', /search_options.*"smell"/],
      [{ ...base, group_by: 'scene' }, 'parameter_invalid', /group_by/],
      [{ ...base, operator: 'xor' }, 'parameter_invalid', /operator/],
      [{ ...base, threshold: 'very' }, 'parameter_invalid', /threshold/],
      [{ index_id, search_options: ['visual'] }, 'parameter_not_provided', /query_text/],
      [{ ...base, query_text: '   ' }, 'parameter_invalid', /query_text/],
      [{ ...base, query_media_type: 'image' }, 'parameter_not_provided', /query_media_url/],
      [{ ...base, query_media_type: 'audio' }, 'parameter_invalid', /query_media_type/],
    ];
    for (const [fields, code, message] of cases) {
      const { status, body } = await postSearch<ApiError & { docs_url?: string }>(server, searchForm(fields));
      expect({ status, code: body.code }, JSON.stringify(fields)).toEqual({ status: 400, code });
      expect(body.message, JSON.stringify(fields)).toMatch(message);
      expect(body.docs_url).toBe(DOCS_URL);
    }
  });

  it('an image without query_media_type, and more than 10 images, are refused', async () => {
    const { server, lib } = await serve();
    const file = (i: number) => ({ name: 'query_media_file', bytes: Buffer.from(`image ${i}`), filename: `${i}.png` });
    const untyped = await postSearch<ApiError>(
      server,
      searchForm({ index_id: lib.manifest.id, search_options: ['visual'] }, [file(0)]),
    );
    expect([untyped.status, untyped.body.code]).toEqual([400, 'parameter_not_provided']);
    expect(untyped.body.message).toMatch(/query_media_type/);
    const many = await postSearch<ApiError>(
      server,
      searchForm(
        { index_id: lib.manifest.id, search_options: ['visual'], query_media_type: 'image' },
        Array.from({ length: 11 }, (_, i) => file(i)),
      ),
    );
    expect([many.status, many.body.code]).toEqual([400, 'parameter_invalid']);
    expect(many.body.message).toMatch(/up to 10/);
  });

  it('a page token from before a rebuild expires with search_page_token_expired; a made-up one too', async () => {
    const { server, lib } = await serve();
    const first = await postSearch<ApiSearchResults>(
      server,
      searchForm({ index_id: lib.manifest.id, search_options: ['visual'], query_text: 'a rabbit', page_limit: 2 }),
    );
    const token = first.body.page_info.next_page_token as string;
    expect((await getPage(server, token)).status).toBe(200);
    const jsonl = join(await tempDir(), 'more.jsonl');
    await writeFile(
      jsonl,
      `${JSON.stringify({ video_id: 'extra', start_sec: 0, end_sec: 2, embedding: Array.from({ length: 512 }, (_, i) => Math.sin(i)) })}\n`,
    );
    await lib.importSegments(jsonl);
    const stale = await getPage<ApiError>(server, token);
    expect([stale.status, stale.body.code]).toEqual([400, 'search_page_token_expired']);
    expect(stale.body.message).toMatch(/expired: the library changed/);
    const madeUp = await getPage<ApiError>(server, '1234567890abcdef-1');
    expect([madeUp.status, madeUp.body.code]).toEqual([400, 'search_page_token_expired']);
  });

  it('unknown routes are 404 and wrong methods 405, in the same shape', async () => {
    const { server } = await serve();
    const notFound = await fetch(`${server.url}/no-such-endpoint` /* /indexes is served since issue 13 */);
    expect([notFound.status, ((await notFound.json()) as ApiError).code]).toEqual([404, 'not_found']);
    const wrongMethod = await fetch(`${server.url}/search`);
    expect([wrongMethod.status, ((await wrongMethod.json()) as ApiError).code]).toEqual([405, 'method_not_allowed']);
  });

  it('an unexpected error is a bare 500: logged for the operator, nothing internal for the client', async () => {
    const failing = {
      manifest: { id: 'lib_failing' },
      search: async () => {
        throw new Error('disk trouble at /secret/library/segments/0001.arrow');
      },
    } as unknown as SearchableLibrary;
    const logged: unknown[] = [];
    const server: RunningSearchServer = await startSearchServer({
      library: failing,
      onUnexpectedError: (error) => logged.push(error),
    });
    open.push(server);
    const { status, body } = await postSearch<ApiError>(
      server,
      searchForm({ index_id: 'lib_failing', search_options: ['visual'], query_text: 'a rabbit' }),
    );
    expect(status).toBe(500);
    expect(body).toEqual({ code: 'internal_error', message: expect.not.stringMatching(/secret|arrow|disk/) });
    expect(String(logged[0])).toMatch(/disk trouble/);
  });
});
