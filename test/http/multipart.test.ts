import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMultipart } from '../../src/http/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

function fakeRequest(chunks: Buffer[], boundary: string): IncomingMessage {
  return Object.assign(Readable.from(chunks), {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }) as unknown as IncomingMessage;
}

function fieldParts(boundary: string, count: number): Buffer {
  const parts = Array.from(
    { length: count },
    (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`,
  );
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
}

const tempDir = useTempDirs();

describe('readMultipart', () => {
  const boundary = 'XyZ--boundary';
  const file = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
  const body = Buffer.concat([
    Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="model_name"\r\n\r\nmarengo3.0\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="scope"\r\n\r\nclip\r\n--${boundary}\r\nContent-Disposition: form-data; name="scope"\r\n\r\nvideo\r\n`,
    ),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="video_file"; filename="a b.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
  ]);

  it('parses fields and hashes files whatever the chunking', async () => {
    const expected = createHash('sha256').update(file).digest('hex');
    for (const split of [1, 7, 64, 1000, body.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += split) chunks.push(body.subarray(i, i + split));
      const form = await readMultipart(fakeRequest(chunks, boundary));
      expect(form.get('model_name')).toBe('marengo3.0');
      expect(form.all('scope')).toEqual(['clip', 'video']);
      expect(form.file('video_file')).toEqual({
        field: 'video_file',
        filename: 'a b.mp4',
        contentType: 'video/mp4',
        size: 3000,
        sha256: expected,
      });
    }
  });

  it('refuses a truncated body and an oversized file', async () => {
    await expect(readMultipart(fakeRequest([body.subarray(0, body.length - 30)], boundary))).rejects.toMatchObject({
      status: 400,
    });
    await expect(readMultipart(fakeRequest([body], boundary), { fileBytes: 100 })).rejects.toMatchObject({
      status: 413,
      code: 'media_filesize_too_large',
    });
  });

  it('spools file parts to disk and removes the spool when the form is refused', async () => {
    const spoolDir = await tempDir();
    const form = await readMultipart(fakeRequest([body], boundary), { spoolDir });
    const path = form.file('video_file')?.path;
    expect(path).toBeDefined();
    expect(await readFile(path ?? '')).toEqual(file);
    await rm(path ?? '');
    await expect(readMultipart(fakeRequest([body], boundary), { spoolDir, fieldBytes: 4 })).rejects.toMatchObject({
      status: 413,
      code: 'parameter_invalid',
    });
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('refuses more parts than the limit without reading the rest of the body', async () => {
    const many = fieldParts(boundary, 20_000);
    const chunks: Buffer[] = [];
    for (let i = 0; i < many.length; i += 16 * 1024) chunks.push(many.subarray(i, i + 16 * 1024));
    let served = 0;
    const counted = Readable.from(
      (function* () {
        for (const chunk of chunks) {
          served += 1;
          yield chunk;
        }
      })(),
    );
    const req = Object.assign(counted, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    }) as unknown as IncomingMessage;
    await expect(readMultipart(req, { parts: 100 })).rejects.toMatchObject({
      status: 413,
      message: expect.stringContaining('more than 100 parts'),
    });
    // 100 parts of ~60 bytes fit in the first chunk; a few more may be buffered by the stream.
    expect(served).toBeLessThan(chunks.length / 2);
    await expect(
      readMultipart(fakeRequest([fieldParts(boundary, 100)], boundary), { parts: 100 }),
    ).resolves.toMatchObject({ fields: expect.any(Map) });
  });

  it('refuses a body that is not multipart with a boundary', async () => {
    const req = Object.assign(Readable.from([Buffer.from('{}')]), {
      headers: { 'content-type': 'application/json' },
    }) as unknown as IncomingMessage;
    await expect(readMultipart(req)).rejects.toMatchObject({ status: 400, code: 'parameter_invalid' });
  });
});
