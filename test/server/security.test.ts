import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyAccepted } from '../../src/server/api-key.js';
import type { ApiSearchResults } from '../../src/server/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import {
  type ApiError,
  postSearch,
  REMOTE_IMAGE_NAME,
  type Served,
  searchForm,
  serveMediaSamples,
  useMediaSamplesEmulators,
} from './serve-fixture.js';

const tempDir = useTempDirs();
const mediaEmulator = useMediaSamplesEmulators();
const open: Served[] = [];
afterEach(async () => {
  for (const served of open.splice(0)) await served.close();
});

async function serve(options: Parameters<typeof serveMediaSamples>[2] = {}): Promise<Served> {
  const served = await serveMediaSamples(await tempDir(), await mediaEmulator(), options);
  open.push(served);
  return served;
}

/** Sends a chunked body of `total` bytes (no Content-Length); resolves with the answer and how much of the body was written before it came. */
function streamBody(
  url: string,
  total: number,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, written }));
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (written >= total) req.end();
    };
    pump();
  });
}

describe('vsearch serve security', () => {
  it('binds loopback by default and, with an API key, answers 401 without the right x-api-key', async () => {
    const { server, lib } = await serve({ apiKey: 'the-right-key' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.3$/);
    const form = () => searchForm({ index_id: lib.manifest.id, search_options: ['visual'], query_text: 'a rabbit' });
    const none = await postSearch<ApiError>(server, form());
    expect([none.status, none.body.code]).toEqual([401, 'api_key_invalid']);
    const wrong = await postSearch<ApiError>(server, form(), { 'x-api-key': 'the-wrong-key' });
    expect(wrong.status).toBe(401);
    // Refused before its body is read, a request still gets its answer (the rest is discarded, not buffered).
    for (let i = 0; i < 10; i++) {
      const withFile = await postSearch<ApiError>(
        server,
        searchForm({ index_id: lib.manifest.id }, [
          { name: 'query_media_file', bytes: Buffer.alloc(100_000 * i, 1), filename: 'a.png' },
        ]),
      );
      expect(withFile.status).toBe(401);
    }
    const page = await fetch(`${server.url}/search/some-token`);
    expect(page.status).toBe(401);
    const right = await postSearch<ApiSearchResults>(server, form(), { 'x-api-key': 'the-right-key' });
    expect(right.status).toBe(200);
    expect(right.body.data.length).toBeGreaterThan(0);
  });

  it('compares keys whatever their length', () => {
    expect(apiKeyAccepted(undefined, {})).toBe(true);
    expect(apiKeyAccepted('k', {})).toBe(false);
    expect(apiKeyAccepted('key', { 'x-api-key': 'key' })).toBe(true);
    expect(apiKeyAccepted('key', { 'x-api-key': 'key-but-longer' })).toBe(false);
    expect(apiKeyAccepted('key', { 'x-api-key': '' })).toBe(false);
  });

  it('answers 413 to a body over the limit: at once when announced, and partway through a chunked one', async () => {
    const limit = 256 * 1024;
    const { server, lib } = await serve({ maxBodyBytes: limit });
    const big = [{ name: 'query_media_file', bytes: Buffer.alloc(limit + 1, 1), filename: 'big.png' }];
    const announced = await postSearch<ApiError>(
      server,
      searchForm({ index_id: lib.manifest.id, search_options: ['visual'], query_media_type: 'image' }, big),
    );
    expect([announced.status, announced.body.code]).toEqual([413, 'request_too_large']);
    expect(announced.body.message).toMatch(/--max-body-mb/);

    const total = 64 * 1024 * 1024;
    const chunked = await streamBody(`${server.url}/search`, total, {
      'content-type': 'multipart/form-data; boundary=xyz',
    });
    expect(chunked.status).toBe(413);
    expect((JSON.parse(chunked.body) as ApiError).code).toBe('request_too_large');
    expect(chunked.written).toBeLessThan(total);

    // The server still answers afterwards.
    const ok = await postSearch(
      server,
      searchForm({ index_id: lib.manifest.id, search_options: ['visual'], query_text: 'a rabbit' }),
    );
    expect(ok.status).toBe(200);
  });

  it('refuses query_media_url unless --allow-remote-media, and then passes only http(s) URLs on', async () => {
    const closed = await serve();
    const fields = {
      index_id: closed.lib.manifest.id,
      search_options: ['visual'],
      query_media_type: 'image',
      query_media_url: `https://images.example.com/${REMOTE_IMAGE_NAME}`,
    };
    closed.emu.reset();
    const refused = await postSearch<ApiError>(closed.server, searchForm(fields));
    expect([refused.status, refused.body.code]).toEqual([400, 'parameter_invalid']);
    expect(refused.body.message).toMatch(/does not fetch query_media_url.*--allow-remote-media/);
    expect(closed.emu.stats().sync_embeds).toBe(0);

    const allowing = await serve({ allowRemoteMedia: true });
    const allowed = await postSearch<ApiSearchResults>(
      allowing.server,
      searchForm({ ...fields, index_id: allowing.lib.manifest.id, page_limit: 1 }),
    );
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(allowed.body.data[0]).toMatchObject({ video_id: 'bbb-3sec.mp4', start: 2, end: 3.008 });
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.png', 'not a url']) {
      const bad = await postSearch<ApiError>(
        allowing.server,
        searchForm({ ...fields, index_id: allowing.lib.manifest.id, query_media_url: url }),
      );
      expect([bad.status, bad.body.code], url).toEqual([400, 'parameter_invalid']);
      expect(bad.body.message).toMatch(/http\(s\) URL/);
    }
  });
});
