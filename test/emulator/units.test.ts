import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMultipart } from '../../src/emulator/multipart.js';
import { fixedClips } from '../../src/emulator/segments.js';
import { cosine, tokenize, VectorSpace } from '../../src/emulator/vectors.js';
import { FaultInjector } from '../../src/emulator/faults.js';

function fakeRequest(chunks: Buffer[], boundary: string): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }) as unknown as IncomingMessage;
}

describe('vectors', () => {
  it('are unit length, of the model dimension, deterministic per seed and model', () => {
    const a = new VectorSpace(1, 'Marengo-retrieval-2.7', 1024);
    const v = a.text('Hello world');
    expect(v).toHaveLength(1024);
    expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    expect(new VectorSpace(1, 'Marengo-retrieval-2.7', 1024).text('hello, WORLD!')).toEqual(v);
    expect(cosine(new VectorSpace(2, 'Marengo-retrieval-2.7', 1024).text('hello world'), v)).toBeLessThan(0.3);
  });

  it('make texts that share content words closer; stopwords alone do not count', () => {
    const s = new VectorSpace(1, 'marengo3.0', 512);
    expect(tokenize('The Dog and the cat')).toEqual(['dog', 'cat']);
    expect(cosine(s.text('red car'), s.text('a red car parked'))).toBeGreaterThan(0.6);
    expect(Math.abs(cosine(s.text('the red car'), s.text('the blue sky')))).toBeLessThan(0.25);
    const described = s.described('red car', 'clip-1');
    expect(cosine(described, s.text('red car'))).toBeGreaterThan(0.85);
    expect(cosine(described, s.text('red car'))).toBeLessThan(0.999);
  });
});

describe('fixedClips', () => {
  it('covers the range and ends the last clip at the end', () => {
    expect(fixedClips(0, 14, 6)).toEqual([{ start: 0, end: 6 }, { start: 6, end: 12 }, { start: 12, end: 14 }]);
    expect(fixedClips(2, 8, 6)).toEqual([{ start: 2, end: 8 }]);
    expect(fixedClips(0, 0.1, 2)).toEqual([{ start: 0, end: 0.1 }]);
    expect(fixedClips(5, 5, 2)).toEqual([]);
  });
});

describe('readMultipart', () => {
  const boundary = 'XyZ--boundary';
  const file = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
  const body = Buffer.concat([
    Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="model_name"\r\n\r\nmarengo3.0\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="scope"\r\n\r\nclip\r\n--${boundary}\r\nContent-Disposition: form-data; name="scope"\r\n\r\nvideo\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="video_file"; filename="a b.mp4"\r\nContent-Type: video/mp4\r\n\r\n`),
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
      expect(form.file('video_file')).toEqual({ field: 'video_file', filename: 'a b.mp4', contentType: 'video/mp4', size: 3000, sha256: expected });
    }
  });

  it('refuses a truncated body and an oversized file', async () => {
    await expect(readMultipart(fakeRequest([body.subarray(0, body.length - 30)], boundary))).rejects.toMatchObject({ status: 400 });
    await expect(readMultipart(fakeRequest([body], boundary), { fileBytes: 100 })).rejects.toMatchObject({ status: 413 });
  });
});

describe('FaultInjector', () => {
  it('hits each rate within sampling error', () => {
    const faults = new FaultInjector(1);
    faults.set({ seed: 5, rate_429: 0.25, rate_drop: 0.05 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 10000; i += 1) {
      const kind = faults.decide().kind;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    expect((counts.get('429') ?? 0) / 10000).toBeCloseTo(0.25, 1);
    expect((counts.get('drop') ?? 0) / 10000).toBeGreaterThan(0.035);
    expect((counts.get('drop') ?? 0) / 10000).toBeLessThan(0.065);
    expect(counts.get('5xx')).toBeUndefined();
  });
});
