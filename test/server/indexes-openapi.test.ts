import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryRoot } from '../../src/library/index.js';
import { type RunningSearchServer, startSearchServer } from '../../src/server/index.js';
import { HAVE_REFERENCE, REFERENCE_DIR } from '../emulator/helpers.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { type Built, buildMediaSamples, searchForm, useMediaSamplesEmulator } from './serve-fixture.js';
import { type Exchange, strictSpecProblems } from './spec-check.js';

if (!HAVE_REFERENCE)
  console.warn(`skipping the index and video routes' OpenAPI conformance: ${REFERENCE_DIR} is absent`);

/** vsearch's additions: a list entry carries the video's user_metadata, as retrieve does. */
const EXTENSIONS = ['user_metadata'];

describe.skipIf(!HAVE_REFERENCE)(
  'serve --root: index and video answers, good and bad, against the OpenAPI spec',
  () => {
    let dir: string;
    let built: Built;
    let server: RunningSearchServer;
    let libId: string;
    let videoId: string;
    const exchanges: Exchange[] = [];

    async function call(
      method: string,
      template: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const init: RequestInit = { method };
      if (body !== undefined) init.body = JSON.stringify(body);
      if (body !== undefined) init.headers = { 'content-type': 'application/json' };
      const response = await fetch(`${server.url}${path}`, init);
      const text = await response.text();
      const parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      exchanges.push({ method, template, status: response.status, body: parsed });
      return { status: response.status, body: parsed ?? {} };
    }

    const suiteDir = useSuiteTempDir();
    const mediaEmulator = useMediaSamplesEmulator();
    beforeAll(async () => {
      dir = suiteDir();
      built = await buildMediaSamples(dir, mediaEmulator());
      libId = built.lib.manifest.id;
      videoId = (await built.lib.listVideos())[0]?.video_id ?? '';
      server = await startSearchServer({ root: await LibraryRoot.open(dir, { client: built.client }) });
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await built?.lib.close();
    });

    it("answers bad requests with the API's codes, writing nothing", async () => {
      const models = [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }];
      const made = await call('POST', '/indexes', '/indexes', { index_name: 'first', models });
      expect(made.status).toBe(201);
      const rows: [string, string, string, unknown, number, string][] = [
        ['duplicate name', '/indexes', '/indexes', { index_name: 'first', models }, 400, 'index_name_already_exists'],
        ['no models', '/indexes', '/indexes', { index_name: 'x' }, 400, 'parameter_invalid'],
        [
          'unknown model',
          '/indexes',
          '/indexes',
          { index_name: 'x', models: [{ model_name: 'marengo9', model_options: ['visual'] }] },
          400,
          'parameter_invalid',
        ],
        ['empty name', '/indexes', '/indexes', { index_name: ' ', models }, 400, 'parameter_invalid'],
      ];
      for (const [what, template, path, body, status, code] of rows) {
        const answer = await call('POST', template, path, body);
        expect([what, answer.status, answer.body['code']]).toEqual([what, status, code]);
      }
      const gets: [string, string, string, number, string][] = [
        ['unknown index', '/indexes/{index-id}', '/indexes/lib_000000000000000000000000', 400, 'index_not_exists'],
        ['unknown index videos', '/indexes/{index-id}/videos', '/indexes/nope/videos', 400, 'index_not_exists'],
        [
          'unknown video',
          '/indexes/{index-id}/videos/{video-id}',
          `/indexes/${libId}/videos/no-such-video`,
          404,
          'resource_not_exist',
        ],
        ['bad sort_by', '/indexes', '/indexes?sort_by=size', 400, 'parameter_invalid'],
        [
          'bad page_limit',
          '/indexes/{index-id}/videos',
          `/indexes/${libId}/videos?page_limit=51`,
          400,
          'parameter_invalid',
        ],
        [
          'bad duration',
          '/indexes/{index-id}/videos',
          `/indexes/${libId}/videos?duration[gte]=long`,
          400,
          'parameter_invalid',
        ],
        [
          'bad embedding_option',
          '/indexes/{index-id}/videos/{video-id}',
          `/indexes/${libId}/videos/${videoId}?embedding_option=smell`,
          400,
          'parameter_invalid',
        ],
      ];
      for (const [what, template, path, status, code] of gets) {
        const answer = await call('GET', template, path);
        expect([what, answer.status, answer.body['code']]).toEqual([what, status, code]);
      }
      const badPatch = await call(
        'PATCH',
        '/indexes/{index-id}/videos/{video-id}',
        `/indexes/${libId}/videos/${videoId}`,
        { user_metadata: { nested: { no: 1 } } },
      );
      expect([badPatch.status, badPatch.body['code']]).toEqual([400, 'parameter_invalid']);
      const badFilter = await fetch(`${server.url}/search`, {
        method: 'POST',
        body: searchForm({ index_id: libId, search_options: ['visual'], query_text: 'a rabbit', filter: '{"id": ' }),
      });
      expect([badFilter.status, ((await badFilter.json()) as { code: string }).code]).toEqual([
        400,
        'parameter_invalid',
      ]);
      // Nothing was written by the refused requests: one index made, the library's videos and metadata as built.
      expect((await call('GET', '/indexes', '/indexes')).body['data']).toHaveLength(2);
      expect((await built.lib.getVideo(videoId)).metadata).toEqual((await built.lib.listVideos())[0]?.metadata);
    });

    it('every answer validates against the 2026-07 spec', async () => {
      await call('GET', '/indexes', '/indexes?sort_option=asc&page_limit=1');
      await call('GET', '/indexes/{index-id}', `/indexes/${libId}`);
      await call('PUT', '/indexes/{index-id}', `/indexes/${libId}`, { index_name: 'renamed' });
      await call('GET', '/indexes/{index-id}/videos', `/indexes/${libId}/videos?sort_by=updated_at`);
      await call(
        'GET',
        '/indexes/{index-id}/videos/{video-id}',
        `/indexes/${libId}/videos/${videoId}?embedding_option=visual&embedding_option=audio`,
      );
      await call('PATCH', '/indexes/{index-id}/videos/{video-id}', `/indexes/${libId}/videos/${videoId}`, {
        user_metadata: { reviewed: true },
      });
      await call('DELETE', '/indexes/{index-id}/videos/{video-id}', `/indexes/${libId}/videos/${videoId}`);
      const problems = strictSpecProblems(exchanges, EXTENSIONS);
      expect(exchanges.length).toBeGreaterThan(15);
      expect(problems).toEqual([]);
    });
  },
);
