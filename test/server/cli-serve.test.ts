import { afterEach, describe, expect, it } from 'vitest';
import type { ApiSearchResults } from '../../src/server/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { startServeCli } from '../helpers/serve-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import {
  type Built,
  buildMediaSamples,
  keyOf,
  postSearch,
  searchForm,
  useMediaSamplesEmulators,
} from './serve-fixture.js';

/** The built binary (npm test builds first): `vsearch serve` end to end, with the emulator upstream. */
const tempDir = useTempDirs();
const mediaEmulator = useMediaSamplesEmulators();
const built: Built[] = [];
afterEach(async () => {
  for (const { lib } of built.splice(0)) await lib.close();
});

describe('vsearch serve (the CLI)', () => {
  it('prints its base URL first, answers searches, logs each request, and exits 0 on SIGINT', async () => {
    const samples = await buildMediaSamples(await tempDir(), await mediaEmulator());
    built.push(samples);
    const expected = await samples.lib.search({
      text: 'a white rabbit in a meadow',
      searchOptions: ['visual'],
      pageLimit: 3,
    });
    // With partition search asked for: a library this small is scanned exactly either way, so the hits are the same.
    const args = ['--lib', samples.lib.dir, '--port', '0', '--api-key', 'cli-serve-key', '--partition-search'];
    const serve = await startServeCli(args, {
      VSEARCH_SERVE_API_KEY: '',
      TWELVELABS_API_KEY: API_KEY,
      TWELVELABS_BASE_URL: samples.emu.baseUrl,
    });
    const { child, url, exited } = serve;
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.3$/);
      const form = searchForm({
        index_id: samples.lib.manifest.id,
        search_options: ['visual'],
        query_text: 'a white rabbit in a meadow',
        page_limit: 3,
      });
      const response = await postSearch<ApiSearchResults>({ url }, form, { 'x-api-key': 'cli-serve-key' });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(
        response.body.data.map((hit) => keyOf(hit as { video_id: string; start: number; embedding_option: string })),
      ).toEqual(expected.data.map(keyOf));
      const denied = await fetch(`${url}/search`, { method: 'POST', body: form });
      expect(denied.status).toBe(401);
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code, serve.stderr()).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const stderr = serve.stderr();
    expect(stderr).toMatch(/POST \/v1\.3\/search 200 \d+ ms/);
    expect(stderr).toMatch(/POST \/v1\.3\/search 401 \d+ ms/);
    expect(stderr).not.toContain(API_KEY);
    expect(stderr).not.toContain('cli-serve-key');
  });

  it('exits 2 for a library that does not exist or a bad flag', async () => {
    const dir = await tempDir();
    const missing = await runCliAsync(['serve', '--lib', `${dir}/nothing-here`]);
    expect(missing.status).toBe(2);
    const badLimit = await runCliAsync(['serve', '--lib', dir, '--max-body-mb', 'lots']);
    expect(badLimit.status).toBe(2);
    expect(badLimit.stderr).toMatch(/--max-body-mb must be a number/);
    const badProbes = await runCliAsync(['serve', '--lib', dir, '--partition-search', '0']);
    expect(badProbes.status).toBe(2);
    expect(badProbes.stderr).toMatch(/--partition-search must be an integer from 1 to 1000000, got "0"/);
  });
});
