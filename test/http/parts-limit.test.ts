import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Library } from '../../src/library/index.js';
import { type RunningSearchServer, type SearchableLibrary, startSearchServer } from '../../src/server/index.js';
import { useEmulators } from '../helpers/emulator.js';

const BOUNDARY = 'parts-limit-boundary';
const PARTS = 20_000;

/** 20,000 one-byte fields. */
function tinyParts(): Buffer {
  const parts = Array.from(
    { length: PARTS },
    (_, i) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`,
  );
  return Buffer.from(`${parts.join('')}--${BOUNDARY}--\r\n`);
}

/**
 * Sends the first `head` bytes of a chunked body and then waits, sending the rest only if no
 * answer has come by then: an answer that arrives while the body is incomplete was given
 * without reading the rest.
 */
function answerBeforeRest(
  url: string,
  body: Buffer,
  head: number,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; complete: boolean }> {
  return new Promise((resolve, reject) => {
    let complete = false;
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, complete });
          req.destroy();
        });
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, head));
    // The rest goes only if the server waits for it (a parser with no part limit would): then `complete` is true.
    const rest = setTimeout(() => {
      complete = true;
      req.end(body.subarray(head));
    }, 20_000);
    req.on('close', () => clearTimeout(rest));
  });
}

const stubLibrary = {
  manifest: { id: 'lib-under-test' },
  search: () => Promise.reject(new Error('a refused form never reaches the search')),
} as unknown as SearchableLibrary & Pick<Library, 'manifest'>;

let server: RunningSearchServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const emulator = useEmulators({ apiKey: 'k', seed: 1 });

describe('20,000 tiny multipart parts', () => {
  it('serve refuses them with 413 once past its part limit, before the body is complete', async () => {
    server = await startSearchServer({ library: stubLibrary });
    const answer = await answerBeforeRest(`${server.url}/search`, tinyParts(), 256 * 1024, {});
    expect(answer).toMatchObject({
      status: 413,
      complete: false,
      body: { code: 'parameter_invalid', message: expect.stringContaining('more than 256 parts') },
    });
  }, 60_000);

  it('the emulator refuses them with the same limit (it reads the rest of a refused body, as the API does)', async () => {
    const emu = await emulator();
    const response = await fetch(`${emu.baseUrl}/embed`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: tinyParts(),
    });
    expect([response.status, await response.json()]).toMatchObject([
      413,
      { code: 'parameter_invalid', message: expect.stringContaining('more than 256 parts') },
    ]);
  }, 60_000);
});
