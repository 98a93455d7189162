import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { useEmulator, useEmulators } from '../helpers/emulator.js';
import { call, dot, EMULATOR_OPTIONS, KEY, PROCESSING_MS, waitFor } from './helpers.js';

const CHUNK = 5 * 1024 * 1024;
const SCENE_TEXT = 'a lighthouse on a cliff at night';

const suiteEmulator = useEmulator(() => {
  const sha = createHash('sha256')
    .update(bigFile(12 * 1024 * 1024 + 123))
    .digest('hex');
  return {
    ...EMULATOR_OPTIONS,
    taskDelayMs: PROCESSING_MS,
    scenario: { [sha]: { duration_sec: 12, segments: [{ start: 0, end: 12, text: SCENE_TEXT }] } },
  };
});

const freshEmulator = useEmulators(EMULATOR_OPTIONS);
let emu: RunningEmulator;
beforeAll(() => {
  emu = suiteEmulator();
});

function bigFile(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) out[i] = (i * 31 + (i >> 10)) & 0xff;
  return out;
}

/** Streams `total` bytes of a repeating pattern in a multipart body over raw http, like a big upload. */
function streamDirectUpload(
  emu: RunningEmulator,
  total: number,
  filename: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const boundary = '----emulator-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="method"\r\n\r\ndirect\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${emu.baseUrl}/assets`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'x-api-key': KEY,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + total + tail.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    const block = Buffer.alloc(1024 * 1024, 0x5a);
    let sent = 0;
    req.write(head);
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(block.length, total - sent);
        sent += n;
        if (!req.write(n === block.length ? block : block.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(tail);
    };
    pump();
  });
}

describe('assets', () => {
  it('creates a direct-upload asset (201) that goes processing -> ready', async () => {
    const body = new FormData();
    body.append('method', 'direct');
    body.append('file', new Blob(['tiny video']), 'tiny.mp4');
    const created = await call(emu, 'POST', '/assets', { form: body });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      method: 'direct',
      status: 'processing',
      filename: 'tiny.mp4',
      file_type: 'video/mp4',
    });
    const id = created.json['_id'] as string;
    const ready = await waitFor(
      () => call(emu, 'GET', `/assets/${id}`),
      (r) => r.json['status'] === 'ready',
    );
    expect(ready.json).toMatchObject({ _id: id, status: 'ready', size: 10 });
    const used = await call(emu, 'POST', '/embed-v2', {
      json: { input_type: 'image', model_name: 'marengo3.0', image: { media_source: { asset_id: id } } },
    });
    expect(used.status).toBe(200);
  });

  it('creates a URL asset and refuses a bad method or missing file', async () => {
    const byUrl = new FormData();
    byUrl.append('method', 'url');
    byUrl.append('url', 'https://example.com/movies/big%20buck.mp4');
    const created = await call(emu, 'POST', '/assets', { form: byUrl });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ method: 'url', filename: 'big buck.mp4' });
    const bad = new FormData();
    bad.append('method', 'carrier-pigeon');
    expect((await call(emu, 'POST', '/assets', { form: bad })).json).toMatchObject({ code: 'parameter_invalid' });
    const noFile = new FormData();
    noFile.append('method', 'direct');
    expect((await call(emu, 'POST', '/assets', { form: noFile })).json).toMatchObject({
      code: 'parameter_not_provided',
    });
    const unknown = await call(emu, 'GET', '/assets/000000000000000000000000');
    expect(unknown.status).toBe(404);
    const listed = await call(emu, 'GET', `/assets?asset_ids=${created.json['_id'] as string}`);
    expect((listed.json['data'] as Array<{ _id: string }>).map((a) => a._id)).toEqual([created.json['_id']]);
    expect((await call(emu, 'DELETE', `/assets/${created.json['_id'] as string}`)).status).toBe(200);
    expect((await call(emu, 'GET', `/assets/${created.json['_id'] as string}`)).status).toBe(404);
  });

  it('counts each asset created once in the stats, and lists by a filename substring, case-insensitively', async () => {
    const fresh = await freshEmulator();
    const direct = new FormData();
    direct.append('method', 'direct');
    direct.append('filename', 'vsearch-ABC123-tag.mp4');
    direct.append('file', new Blob(['tiny video']), 'tiny.mp4');
    const created = await call(fresh, 'POST', '/assets', { form: direct });
    const byUrl = new FormData();
    byUrl.append('method', 'url');
    byUrl.append('url', 'https://example.com/other.mp4');
    await call(fresh, 'POST', '/assets', { form: byUrl });
    await call(fresh, 'POST', '/assets', { form: new FormData() });
    const listed = await call(fresh, 'GET', '/assets?filename=abc123-TAG');
    expect((listed.json['data'] as Array<{ _id: string; filename: string }>).map((a) => [a._id, a.filename])).toEqual([
      [created.json['_id'], 'vsearch-ABC123-tag.mp4'],
    ]);
    await call(fresh, 'GET', `/assets/${created.json['_id'] as string}`);
    expect(fresh.stats().assets_created).toBe(2);
  });

  it('streams a 150 MB direct upload without holding it in memory', async () => {
    const before = process.memoryUsage().rss;
    const res = await streamDirectUpload(emu, 150 * 1024 * 1024, 'large.mp4');
    expect(res.status).toBe(201);
    const id = res.body['_id'] as string;
    const detail = await waitFor(
      () => call(emu, 'GET', `/assets/${id}`),
      (r) => r.json['status'] === 'ready',
    );
    expect(detail.json['size']).toBe(150 * 1024 * 1024);
    // The emulator and this test share a process: a buffered upload would add ~150 MB.
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses direct uploads over 200 MB', async () => {
    const res = await streamDirectUpload(emu, 200 * 1024 * 1024 + 1, 'huge.mp4');
    expect(res.status).toBe(413);
    expect(res.body['code']).toBe('media_filesize_too_large');
  });
});

describe('multipart upload sessions', () => {
  it('uploads chunks to presigned URLs, reports ETags, resumes from status, becomes an asset', async () => {
    const file = bigFile(12 * 1024 * 1024 + 123);
    const assetsBefore = emu.stats().assets_created;
    const created = await call(emu, 'POST', '/assets/multipart-uploads', {
      json: { filename: 'night.mp4', type: 'video', total_size: file.length },
    });
    expect(created.status).toBe(201);
    const session = created.json as {
      upload_id: string;
      asset_id: string;
      chunk_size: number;
      total_chunks: number;
      upload_urls: Array<{ chunk_index: number; url: string; expires_at: string }>;
    };
    expect(session.chunk_size).toBe(CHUNK);
    expect(session.total_chunks).toBe(3);
    expect(session.upload_urls.map((u) => u.chunk_index)).toEqual([1, 2, 3]);
    expect(session.upload_urls[0]?.url.startsWith(emu.baseUrl.replace('/v1.3', ''))).toBe(true);

    const etags: string[] = [];
    for (const { chunk_index: index, url } of session.upload_urls) {
      const part = file.subarray((index - 1) * CHUNK, Math.min(index * CHUNK, file.length));
      const put = await fetch(url, { method: 'PUT', body: part });
      expect(put.status).toBe(200);
      const etag = put.headers.get('etag') ?? '';
      expect(etag).toBe(`"${createHash('md5').update(part).digest('hex')}"`);
      etags.push(etag);
    }
    const tampered = await fetch(
      session.upload_urls[0]?.url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00') ?? '',
      { method: 'PUT', body: 'x' },
    );
    expect(tampered.status).toBe(403);

    const wrongProof = await call(emu, 'POST', `/assets/multipart-uploads/${session.upload_id}`, {
      json: { completed_chunks: [{ chunk_index: 1, proof: '"deadbeef"', proof_type: 'etag', chunk_size: CHUNK }] },
    });
    expect(wrongProof.status).toBe(400);
    expect(wrongProof.json['code']).toBe('parameter_invalid');

    const first = await call(emu, 'POST', `/assets/multipart-uploads/${session.upload_id}`, {
      json: { completed_chunks: [{ chunk_index: 1, proof: etags[0], proof_type: 'etag', chunk_size: CHUNK }] },
    });
    expect(first.json).toEqual({
      asset_id: session.asset_id,
      processed_chunks: 1,
      duplicate_chunks: 0,
      total_completed: 1,
    });

    const active = await call(emu, 'GET', '/assets/multipart-uploads');
    expect(active.json['data']).toContainEqual(
      expect.objectContaining({ upload_id: session.upload_id, status: 'active', total_chunks: 3, chunk_size: CHUNK }),
    );
    const status = await call(emu, 'GET', `/assets/multipart-uploads/${session.upload_id}`);
    expect(status.json).toMatchObject({
      upload_id: session.upload_id,
      status: 'active',
      chunks_completed: 1,
      chunks_pending: 2,
      total_size: file.length,
      uploaded_size: CHUNK,
    });
    expect(
      (status.json['uploaded_chunks'] as Array<{ index: number; status: string }>).map((c) => [c.index, c.status]),
    ).toEqual([
      [1, 'completed'],
      [2, 'pending'],
      [3, 'pending'],
    ]);

    const more = await call(emu, 'POST', `/assets/multipart-uploads/${session.upload_id}/presigned-urls`, {
      json: { start: 2, count: 5 },
    });
    expect(more.status).toBe(200);
    expect(more.json).toMatchObject({ upload_id: session.upload_id, start_index: 2, count: 2 });

    const rest = await call(emu, 'POST', `/assets/multipart-uploads/${session.upload_id}`, {
      json: {
        completed_chunks: [
          { chunk_index: 1, proof: etags[0], proof_type: 'etag', chunk_size: CHUNK },
          { chunk_index: 2, proof: etags[1], proof_type: 'etag', chunk_size: CHUNK },
          { chunk_index: 3, proof: etags[2], proof_type: 'etag', chunk_size: file.length - 2 * CHUNK },
        ],
      },
    });
    expect(rest.json).toMatchObject({ processed_chunks: 2, duplicate_chunks: 1, total_completed: 3 });
    expect(typeof rest.json['url']).toBe('string');
    const incomplete = await call(emu, 'GET', '/assets/multipart-uploads');
    expect((incomplete.json['data'] as Array<{ upload_id: string }>).map((u) => u.upload_id)).not.toContain(
      session.upload_id,
    );
    const done = await call(emu, 'GET', `/assets/multipart-uploads/${session.upload_id}`);
    expect(done.json['status']).toBe('completed');

    const asset = await waitFor(
      () => call(emu, 'GET', `/assets/${session.asset_id}`),
      (r) => r.json['status'] === 'ready',
    );
    expect(asset.json).toMatchObject({ method: 'multipart', filename: 'night.mp4', size: file.length, duration: 12 });
    expect(emu.stats().assets_created - assetsBefore, 'the session became one asset, counted once').toBe(1);

    // The reassembled bytes hash to the scenario key, so the asset's vectors follow its description.
    const video = await call(emu, 'POST', '/embed-v2', {
      json: {
        input_type: 'video',
        model_name: 'marengo3.0',
        video: {
          media_source: { asset_id: session.asset_id },
          embedding_option: ['visual'],
          embedding_scope: ['clip'],
        },
      },
    });
    const query = await call(emu, 'POST', '/embed-v2', {
      json: { input_type: 'text', model_name: 'marengo3.0', text: { input_text: 'lighthouse at night' } },
    });
    const clip = (video.json['data'] as Array<{ embedding: number[] }>)[0]?.embedding ?? [];
    const q = (query.json['data'] as Array<{ embedding: number[] }>)[0]?.embedding ?? [];
    expect(dot(clip, q)).toBeGreaterThan(0.5);
  });

  it('takes a 210 MB file in 42 chunks, fetching presigned URLs past the first 10', async () => {
    const total = 42 * CHUNK - 1000;
    const created = await call(emu, 'POST', '/assets/multipart-uploads', {
      json: { filename: 'big.mov', type: 'video', total_size: total },
    });
    const session = created.json as {
      upload_id: string;
      asset_id: string;
      total_chunks: number;
      upload_urls: Array<{ chunk_index: number; url: string }>;
    };
    expect(session.total_chunks).toBe(42);
    expect(session.upload_urls).toHaveLength(10);
    const urls = new Map(session.upload_urls.map((u) => [u.chunk_index, u.url]));
    for (let start = 11; start <= 42; start += 20) {
      const more = await call(emu, 'POST', `/assets/multipart-uploads/${session.upload_id}/presigned-urls`, {
        json: { start, count: 20 },
      });
      for (const u of more.json['upload_urls'] as Array<{ chunk_index: number; url: string }>)
        urls.set(u.chunk_index, u.url);
    }
    expect(urls.size).toBe(42);
    const block = Buffer.alloc(CHUNK, 0x42);
    const before = process.memoryUsage().rss;
    const reports: Array<Record<string, unknown>> = [];
    for (let index = 1; index <= 42; index += 1) {
      const body = index === 42 ? block.subarray(0, total - 41 * CHUNK) : block;
      const put = await fetch(urls.get(index) ?? '', { method: 'PUT', body });
      expect(put.status).toBe(200);
      reports.push({
        chunk_index: index,
        proof: (put.headers.get('etag') ?? '').replace(/"/g, ''),
        proof_type: 'etag',
        chunk_size: body.length,
      });
    }
    const reported = await call(emu, 'POST', `/assets/multipart-uploads/${session.upload_id}`, {
      json: { completed_chunks: reports },
    });
    expect(reported.json).toMatchObject({ processed_chunks: 42, total_completed: 42 });
    expect(process.memoryUsage().rss - before).toBeLessThan(120 * 1024 * 1024);
    const asset = await waitFor(
      () => call(emu, 'GET', `/assets/${session.asset_id}`),
      (r) => r.json['status'] === 'ready',
    );
    expect(asset.json).toMatchObject({ size: total, file_type: 'video/quicktime' });
  });

  it('validates session requests', async () => {
    const bad = await call(emu, 'POST', '/assets/multipart-uploads', {
      json: { filename: 'x.mp4', type: 'hologram', total_size: 10 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'parameter_invalid' });
    const noSize = await call(emu, 'POST', '/assets/multipart-uploads', { json: { filename: 'x.mp4', type: 'video' } });
    expect(noSize.json).toMatchObject({ code: 'parameter_not_provided' });
    const missing = await call(emu, 'GET', '/assets/multipart-uploads/000000000000000000000000');
    expect(missing.status).toBe(404);
  });
});
