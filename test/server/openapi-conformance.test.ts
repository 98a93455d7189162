import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_REFERENCE, REFERENCE_DIR } from '../emulator/helpers.js';
import { type Schema, SchemaWalker } from '../emulator/schema-walker.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import {
  BUTTERFLY_PNG,
  getPage,
  postSearch,
  type Served,
  searchForm,
  serveMediaSamples,
  useMediaSamplesEmulator,
} from './serve-fixture.js';

if (!HAVE_REFERENCE) console.warn(`skipping the server's OpenAPI conformance: ${REFERENCE_DIR} is absent`);

interface Exchange {
  method: string;
  template: string;
  status: number;
  body: unknown;
}

/** vsearch's own field on each hit (the spec has no way to tell visual from audio hits). */
const EXTENSIONS = ['embedding_option'];

describe.skipIf(!HAVE_REFERENCE)("vsearch serve answers validate against the search API's OpenAPI schemas", () => {
  let dir: string;
  let served: Served;
  const exchanges: Exchange[] = [];
  const load = (name: string): SchemaWalker =>
    new SchemaWalker(JSON.parse(readFileSync(join(REFERENCE_DIR, name), 'utf8')) as Schema);

  const suiteDir = useSuiteTempDir();
  const mediaEmulator = useMediaSamplesEmulator();
  beforeAll(async () => {
    dir = suiteDir();
    served = await serveMediaSamples(dir, mediaEmulator());
    const index_id = served.lib.manifest.id;
    const post = async (
      fields: Record<string, string | readonly string[]>,
      files: Parameters<typeof searchForm>[1] = [],
    ) => {
      const { status, body } = await postSearch<Record<string, unknown>>(
        served.server,
        searchForm({ index_id, ...fields }, files),
      );
      exchanges.push({ method: 'POST', template: '/search', status, body });
      return body;
    };
    const first = await post({
      search_options: ['visual', 'audio'],
      query_text: 'a white rabbit',
      page_limit: '2',
      include_user_metadata: 'true',
    });
    await post({ search_options: ['visual'], query_media_type: 'image', group_by: 'video', page_limit: '1' }, [
      { name: 'query_media_file', bytes: BUTTERFLY_PNG, filename: 'b.png' },
    ]);
    await post({
      search_options: ['visual'],
      query_text: 'nothing',
      threshold: 'high',
      filter: '{"id": ["no-such-video"]}',
    });
    await post({ search_options: ['visual'], query_text: 'a rabbit', page_limit: '99' });
    await post({ query_text: 'a rabbit' });
    const token = (first['page_info'] as { next_page_token: string }).next_page_token;
    const page = await getPage(served.server, token);
    exchanges.push({ method: 'GET', template: '/search/{page-token}', status: page.status, body: page.body });
  });
  afterAll(async () => {
    await served?.close();
  });

  it("the Marengo 2.7-era spec (score and confidence): strictly, but for vsearch's embedding_option and the docs_url of 400s", () => {
    const spec = load('twelvelabs-openapi-2026-03-marengo27.json');
    const problems = exchanges.flatMap(({ method, template, status, body }) => {
      const schema = spec.responseSchema(method, template, status);
      if (schema === undefined) return [`${method} ${template} ${status}: not declared`];
      return spec
        .validate(body, schema, '$', { strict: true })
        .filter(
          (error) =>
            !EXTENSIONS.some((name) => error.endsWith(`unexpected property ${name}`)) &&
            error !== '$: unexpected property docs_url',
        )
        .map((error) => `${method} ${template} ${status}: ${error}`);
    });
    expect(problems).toEqual([]);
    expect(exchanges.map((e) => e.status)).toEqual([200, 200, 200, 400, 400, 200]);
  });

  it('the current spec (rank), leniently: every declared field has its declared type', () => {
    const spec = load('twelvelabs-openapi-2026-07.json');
    const problems = exchanges.flatMap(({ method, template, status, body }) => {
      const schema = spec.responseSchema(method, template, status);
      return schema === undefined
        ? [`${method} ${template} ${status}: not declared`]
        : spec.validate(body, schema).map((error) => `${method} ${template} ${status}: ${error}`);
    });
    expect(problems).toEqual([]);
  });
});
