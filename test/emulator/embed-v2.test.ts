import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { call, dot, EMULATOR_OPTIONS, norm, PROCESSING_MS, textRequest, vectorsOf, waitFor } from './helpers.js';

const emulator = useEmulator({
  ...EMULATOR_OPTIONS,
  taskDelayMs: PROCESSING_MS,
  scenario: { 'clip.mp4': { duration_sec: 20, segments: [{ start: 0, end: 20, text: 'a red car' }] } },
});

describe('POST /embed-v2', () => {
  it('embeds text as one 512-d unit vector with null offsets', async () => {
    const res = await call(emulator(), 'POST', '/embed-v2', { json: textRequest('man walking a dog') });
    expect(res.status).toBe(200);
    const data = res.json['data'] as Array<Record<string, unknown>>;
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ embedding_option: null, embedding_scope: null, start_sec: null, end_sec: null });
    const [vector] = vectorsOf(res.json);
    expect(vector).toHaveLength(512);
    expect(norm(vector ?? [])).toBeCloseTo(1, 6);
  });

  it('is deterministic and places texts sharing words closer than unrelated ones', async () => {
    const embed = async (text: string): Promise<number[]> =>
      vectorsOf((await call(emulator(), 'POST', '/embed-v2', { json: textRequest(text) })).json)[0] ?? [];
    const a1 = await embed('A dog runs on the beach');
    const a2 = await embed('A dog runs on the beach');
    const near = await embed('dog on a beach at sunset');
    const far = await embed('quarterly financial report spreadsheet');
    expect(a2).toEqual(a1);
    expect(dot(a1, near)).toBeGreaterThan(dot(a1, far) + 0.3);
  });

  it('uses separate spaces for marengo3.0 and marengo3.5 (the SDK model)', async () => {
    const v30 = vectorsOf((await call(emulator(), 'POST', '/embed-v2', { json: textRequest('sunset') })).json)[0] ?? [];
    const res35 = await call(emulator(), 'POST', '/embed-v2', { json: textRequest('sunset', 'marengo3.5') });
    expect(res35.status).toBe(200);
    const v35 = vectorsOf(res35.json)[0] ?? [];
    expect(v35).toHaveLength(512);
    expect(Math.abs(dot(v30, v35))).toBeLessThan(0.3);
  });

  it('cuts a video into fixed clips with per-modality, fused and asset embeddings', async () => {
    const res = await call(emulator(), 'POST', '/embed-v2', {
      json: {
        input_type: 'video',
        model_name: 'marengo3.0',
        video: {
          media_source: { url: 'https://example.com/media/clip.mp4' },
          segmentation: { strategy: 'fixed', fixed: { duration_sec: 6 } },
          embedding_option: ['visual', 'audio'],
          embedding_scope: ['clip', 'asset'],
          embedding_type: ['separate_embedding', 'fused_embedding'],
        },
      },
    });
    expect(res.status).toBe(200);
    const data = res.json['data'] as Array<{
      embedding: number[];
      embedding_option: string;
      embedding_scope: string;
      start_sec: number;
      end_sec: number;
    }>;
    const clips = data.filter((d) => d.embedding_scope === 'clip');
    // 20 s in 6 s clips: 0-6, 6-12, 12-18, 18-20; three vectors each
    expect(clips).toHaveLength(12);
    expect(clips.slice(0, 3).map((d) => d.embedding_option)).toEqual(['visual', 'audio', 'fused']);
    expect(clips.at(-1)).toMatchObject({ start_sec: 18, end_sec: 20 });
    expect(
      data.filter((d) => d.embedding_scope === 'asset').map((d) => [d.embedding_option, d.start_sec, d.end_sec]),
    ).toEqual([
      ['visual', 0, 20],
      ['audio', 0, 20],
      ['fused', 0, 20],
    ]);
    expect(res.json['metadata']).toMatchObject({
      input_type: 'video',
      input_url: 'https://example.com/media/clip.mp4',
      clip_length: 6,
      duration: 20,
      embedding_options: ['visual', 'audio'],
    });
    for (const d of data) expect(norm(d.embedding)).toBeCloseTo(1, 6);
  });

  it('accepts the SDK segmentation.temporal wrapper and base64 media', async () => {
    const res = await call(emulator(), 'POST', '/embed-v2', {
      json: {
        input_type: 'audio',
        model_name: 'marengo3.0',
        audio: {
          media_source: { base64_string: Buffer.from('some audio bytes').toString('base64') },
          segmentation: { temporal: { strategy: 'fixed', fixed: { duration_sec: 10 } } },
          embedding_option: ['audio'],
          embedding_scope: ['clip'],
        },
      },
    });
    expect(res.status).toBe(200);
    const data = res.json['data'] as Array<{ start_sec: number; end_sec: number; embedding_option: string }>;
    // no scenario, no ffprobe: the documented 30 s default
    expect(data.map((d) => [d.start_sec, d.end_sec])).toEqual([
      [0, 10],
      [10, 20],
      [20, 30],
    ]);
    expect(new Set(data.map((d) => d.embedding_option))).toEqual(new Set(['audio']));
  });

  it('embeds image and text_image inputs', async () => {
    const image = await call(emulator(), 'POST', '/embed-v2', {
      json: {
        input_type: 'image',
        model_name: 'marengo3.0',
        image: { media_source: { url: 'https://example.com/a.jpg' } },
      },
    });
    expect(image.status).toBe(200);
    expect(image.json['metadata']).toEqual({ input_type: 'image', input_url: 'https://example.com/a.jpg' });
    const both = await call(emulator(), 'POST', '/embed-v2', {
      json: {
        input_type: 'text_image',
        model_name: 'marengo3.0',
        text_image: { input_text: 'red car', media_source: { url: 'https://example.com/a.jpg' } },
      },
    });
    expect(both.status).toBe(200);
    const [iv] = vectorsOf(image.json);
    const [tv] = vectorsOf(both.json);
    expect(dot(iv ?? [], tv ?? [])).toBeGreaterThan(0.4);
    expect(dot(iv ?? [], tv ?? [])).toBeLessThan(0.99);
  });

  it('answers validation errors with the v2 error body', async () => {
    const cases: Array<[unknown, number, string, string?]> = [
      [{ input_type: 'text', text: { input_text: 'x' } }, 400, 'parameter_not_provided', 'model_name'],
      [
        { input_type: 'text', model_name: 'marengo9', text: { input_text: 'x' } },
        400,
        'parameter_invalid',
        'model_name',
      ],
      [{ input_type: 'hologram', model_name: 'marengo3.0' }, 400, 'parameter_invalid', 'input_type'],
      [{ model_name: 'marengo3.0' }, 400, 'parameter_not_provided', 'input_type'],
      [{ input_type: 'text', model_name: 'marengo3.0' }, 400, 'parameter_not_provided'],
      [
        {
          input_type: 'image',
          model_name: 'marengo3.0',
          image: { media_source: { url: 'https://e.com/a.jpg', base64_string: 'AAAA' } },
        },
        400,
        'parameter_invalid',
      ],
      [
        {
          input_type: 'video',
          model_name: 'marengo3.0',
          video: {
            media_source: { url: 'https://e.com/v.mp4' },
            segmentation: { strategy: 'fixed', fixed: { duration_sec: 60 } },
          },
        },
        400,
        'parameter_invalid',
      ],
      [
        {
          input_type: 'video',
          model_name: 'marengo3.0',
          video: { media_source: { url: 'https://e.com/v.mp4' }, embedding_option: ['smell'] },
        },
        400,
        'parameter_invalid',
      ],
      [
        {
          input_type: 'video',
          model_name: 'marengo3.0',
          video: { media_source: { asset_id: 'ffffffffffffffffffffffff' } },
        },
        400,
        'parameter_invalid',
      ],
    ];
    for (const [json, status, code, field] of cases) {
      const res = await call(emulator(), 'POST', '/embed-v2', { json });
      expect(res.status, JSON.stringify(json)).toBe(status);
      const error = res.json['error'] as Record<string, unknown>;
      expect(error['code'], JSON.stringify(json)).toBe(code);
      expect(typeof error['message']).toBe('string');
      if (field !== undefined) expect(error['details']).toEqual({ field });
    }
    const notJson = await call(emulator(), 'POST', '/embed-v2', {
      body: 'input_type=text',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(400);
  });
});

describe('/embed-v2/tasks', () => {
  it('creates a task (202), polls processing -> ready, lists it', async () => {
    const created = await call(emulator(), 'POST', '/embed-v2/tasks', {
      json: {
        input_type: 'video',
        model_name: 'marengo3.0',
        video: {
          media_source: { url: 'https://example.com/media/clip.mp4' },
          embedding_option: ['visual'],
          embedding_scope: ['clip'],
        },
      },
    });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ status: 'processing', data: null });
    const id = created.json['_id'] as string;
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const first = await call(emulator(), 'GET', `/embed-v2/tasks/${id}`);
    expect(first.json).toMatchObject({ _id: id, status: 'processing', data: null });
    const ready = await waitFor(
      () => call(emulator(), 'GET', `/embed-v2/tasks/${id}`),
      (r) => r.json['status'] !== 'processing',
    );
    expect(ready.json['status']).toBe('ready');
    const data = ready.json['data'] as Array<{ start_sec: number; end_sec: number; embedding: number[] }>;
    expect(data.map((d) => d.end_sec)).toEqual([6, 12, 18, 20]);
    expect(ready.json['metadata']).toMatchObject({ input_type: 'video', duration: 20 });
    const list = await call(emulator(), 'GET', '/embed-v2/tasks?page_limit=5');
    expect(list.status).toBe(200);
    expect((list.json['data'] as Array<{ _id: string }>).map((t) => t._id)).toContain(id);
    expect(list.json['page_info']).toMatchObject({ limit_per_page: 5, page: 1 });
    const readyOnly = await call(emulator(), 'GET', '/embed-v2/tasks?status=processing');
    expect((readyOnly.json['data'] as Array<{ _id: string }>).map((t) => t._id)).not.toContain(id);
  });

  it('rejects text input and unknown task ids', async () => {
    const text = await call(emulator(), 'POST', '/embed-v2/tasks', { json: textRequest('hello') });
    expect(text.status).toBe(400);
    expect((text.json['error'] as Record<string, unknown>)['code']).toBe('parameter_invalid');
    const missing = await call(emulator(), 'GET', '/embed-v2/tasks/6900aa11bb22cc33dd44ee55');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: {
        code: 'resource_not_exist',
        message: 'Resource with id 6900aa11bb22cc33dd44ee55 does not exist in tasks.',
      },
    });
  });
});
