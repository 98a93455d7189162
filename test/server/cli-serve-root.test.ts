import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY } from '../build/emulator-fixture.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { startServeCli } from '../helpers/serve-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { type Built, buildMediaSamples, useMediaSamplesEmulators } from './serve-fixture.js';

const tempDir = useTempDirs();
const mediaEmulator = useMediaSamplesEmulators();
const built: Built[] = [];
afterEach(async () => {
  for (const { lib } of built.splice(0)) await lib.close();
});

describe('vsearch serve --root (the CLI)', () => {
  it('serves every library under the folder as an index and forwards other paths to --upstream with the upstream key', async () => {
    const root = await tempDir();
    const samples = await buildMediaSamples(root, await mediaEmulator());
    built.push(samples);
    const serve = await startServeCli(
      ['--root', root, '--port', '0', '--api-key', 'root-serve-key', '--upstream', samples.emu.baseUrl],
      { VSEARCH_SERVE_API_KEY: '', TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: '' },
    );
    const { child, url, exited } = serve;
    try {
      const headers = { 'x-api-key': 'root-serve-key' };
      const indexes = (await (await fetch(`${url}/indexes`, { headers })).json()) as {
        data: { _id: string; index_name: string; video_count: number }[];
      };
      expect(indexes.data).toEqual([
        expect.objectContaining({ _id: samples.lib.manifest.id, index_name: 'lib', video_count: 3 }),
      ]);
      const form = new FormData();
      form.append('model_name', 'marengo3.0');
      form.append('text', 'a rabbit');
      const embedded = await fetch(`${url}/embed`, { method: 'POST', headers, body: form });
      expect(embedded.status).toBe(200);
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code, serve.stderr()).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const stderr = serve.stderr();
    expect(stderr).toMatch(/GET \/v1\.3\/indexes 200 \d+ ms/);
    expect(stderr).toMatch(/POST \/v1\.3\/embed 200 \d+ ms/);
    expect(stderr).not.toContain(API_KEY);
    expect(stderr).not.toContain('root-serve-key');
  }, 120_000);

  it('refuses --lib with --root (exit 2)', async () => {
    const dir = await tempDir();
    const outcome = await runCliAsync(['serve', '--lib', dir, '--root', dir]);
    expect([outcome.status, outcome.stderr]).toEqual([2, expect.stringContaining('--lib (one library) or --root')]);
  });
});
