import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../build/emulator-fixture.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { type ServeCli, startServeCli } from '../helpers/serve-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import {
  type ApiError,
  type Built,
  buildMediaSamples,
  getPage,
  postSearch,
  searchForm,
  useMediaSamplesEmulator,
} from '../server/serve-fixture.js';
import { libraryUrl, useTestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const INDEX_ID = 'serve_lib';
const QUERY = 'a white rabbit in a meadow';
const tempDir = useTempDirs();

interface Page {
  data: { video_id: string; start: number }[];
  page_info: { next_page_token?: string };
}
const ids = (page: Page): string[] => page.data.map((hit) => `${hit.video_id}@${hit.start}`);

describe('vsearch serve --lib postgres://', () => {
  const db = useTestDatabase();
  let samples: Built;
  const mediaEmulator = useMediaSamplesEmulator();
  let url: string;
  let env: NodeJS.ProcessEnv;
  const serves: ServeCli[] = [];
  beforeAll(async () => {
    samples = await buildMediaSamples(await tempDir(), mediaEmulator());
    url = libraryUrl(db(), 'serve_lib');
    const synced = await runCliAsync(['sync', '--from', samples.lib.dir, '--to', url]);
    expect(synced.status, synced.stderr).toBe(0);
    env = { VSEARCH_PG_CACHE: await tempDir(), TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: samples.emu.baseUrl };
  }, 180_000);
  afterAll(async () => {
    for (const serve of serves) if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await samples?.lib.close();
  });

  const serve = async (): Promise<ServeCli> => {
    const started = await startServeCli(['--lib', url, '--port', '0'], env);
    serves.push(started);
    return started;
  };

  it('two processes answer one library alike: a page token from one is honoured by the other', async () => {
    const [first, second] = await Promise.all([serve(), serve()]);
    const form = (): FormData =>
      searchForm({
        index_id: INDEX_ID,
        search_options: ['visual', 'audio'],
        query_text: QUERY,
        page_limit: 1,
      });
    const page1 = await postSearch<Page>(first, form());
    expect(page1.status, JSON.stringify(page1.body)).toBe(200);
    const token = page1.body.page_info.next_page_token;
    expect(token).toBeDefined();
    const fromFirst = await getPage<Page>(first, token ?? '');
    const fromSecond = await getPage<Page>(second, token ?? '');
    expect(fromSecond.status, JSON.stringify(fromSecond.body)).toBe(200);
    expect(ids(fromSecond.body)).toEqual(ids(fromFirst.body));
    expect(ids(fromSecond.body)).toHaveLength(1);

    const cli = await runCliAsync(['query', '--lib', url, QUERY, '--json', '--limit', '1'], env);
    expect(cli.status, cli.stderr).toBe(0);
    expect(ids(JSON.parse(cli.stdout) as Page)).toEqual(ids(page1.body));

    const videoId = page1.body.data[0]?.video_id ?? '';
    const videoUrl = `${first.url}/indexes/${INDEX_ID}/videos/${videoId}`;
    // A metadata update is one transaction that bumps the generation: the other process serves it at once.
    const patched = await fetch(videoUrl, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_metadata: { a: 'b' } }),
    });
    expect(patched.status, await patched.text()).toBe(200);
    const shown = await fetch(`${second.url}/indexes/${INDEX_ID}/videos/${videoId}`);
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { user_metadata: Record<string, unknown> }).user_metadata).toMatchObject({
      a: 'b',
    });
    const refused = await fetch(videoUrl, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_metadata: { a: { nested: true } } }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ApiError).code).toBe('parameter_invalid');
    // Removing a video works on PostgreSQL (one transaction): the other process no longer lists it.
    const removed = await fetch(videoUrl, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    const listed = await runCliAsync(['videos', '--lib', url, '--json'], env);
    expect((JSON.parse(listed.stdout) as { video_id: string }[]).map((video) => video.video_id)).not.toContain(
      page1.body.data[0]?.video_id,
    );
    const created = await fetch(`${first.url}/indexes`, { method: 'POST', body: JSON.stringify({ index_name: 'x' }) });
    expect(created.status).toBe(400);

    for (const running of [first, second]) {
      running.child.kill('SIGINT');
      const [code] = await running.exited;
      expect(code, running.stderr()).toBe(0);
      expect(running.stderr()).toContain('postgres://postgres:***@');
      expect(`${running.stdout()}${running.stderr()}`).not.toContain(PASSWORD);
    }
  }, 180_000);

  it('exits with a clear message and no password when the database cannot be reached or holds no such library', async () => {
    const unreachable = await runCliAsync(
      ['serve', '--lib', 'postgres://postgres:secret-pw@127.0.0.1:1/postgres?library=serve_lib', '--port', '0'],
      env,
    );
    expect(unreachable.status, unreachable.stderr).toBe(1);
    expect(unreachable.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(unreachable.stderr).not.toContain(PASSWORD);
    const missing = await runCliAsync(['serve', '--lib', url.replace('library=serve_lib', 'library=nobody')], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('holds no library nobody');
    expect(missing.stderr).not.toContain(PASSWORD);
  }, 120_000);
});
