import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { call, dot, EMULATOR_OPTIONS, norm, PROCESSING_MS, readyV1Task, waitFor } from './helpers.js';

const emulator = useEmulator({
  ...EMULATOR_OPTIONS,
  taskDelayMs: PROCESSING_MS,
  scenario: { 'v.mp4': { duration_sec: 22, segments: [{ start: 0, end: 22, text: 'people dancing' }] } },
});

function form(fields: Record<string, string | string[]>): FormData {
  const out = new FormData();
  for (const [name, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  return out;
}

describe('POST /embed (v1, multipart)', () => {
  it('embeds text, image and audio with Marengo 2.7 at 1024 dimensions', async () => {
    const body = form({
      model_name: 'Marengo-retrieval-2.7',
      text: 'Man with a dog crossing the street',
      image_url: 'https://example.com/image.jpg',
      audio_url: 'https://example.com/audio.mp3',
    });
    const res = await call(emulator(), 'POST', '/embed', { form: body });
    expect(res.status).toBe(200);
    expect(res.json['model_name']).toBe('Marengo-retrieval-2.7');
    const text = (res.json['text_embedding'] as { segments: Array<{ float: number[] }> }).segments;
    expect(text).toHaveLength(1);
    expect(text[0]?.float).toHaveLength(1024);
    expect(norm(text[0]?.float ?? [])).toBeCloseTo(1, 6);
    expect(res.json['image_embedding']).toMatchObject({ metadata: { input_url: 'https://example.com/image.jpg' } });
    const audio = (
      res.json['audio_embedding'] as { segments: Array<{ start_offset_sec: number; end_offset_sec: number }> }
    ).segments;
    expect(audio.map((s) => [s.start_offset_sec, s.end_offset_sec])).toEqual([
      [0, 6],
      [6, 12],
      [12, 18],
      [18, 24],
      [24, 30],
    ]);
  });

  it('hashes an uploaded file: same bytes -> same vector, other bytes -> another', async () => {
    const embed = async (bytes: string): Promise<number[]> => {
      const body = new FormData();
      body.append('model_name', 'marengo3.0');
      body.append('image_file', new Blob([bytes]), 'photo.jpg');
      const res = await call(emulator(), 'POST', '/embed', { form: body });
      expect(res.status).toBe(200);
      expect(res.json['image_embedding']).toMatchObject({ metadata: { input_filename: 'photo.jpg' } });
      return (res.json['image_embedding'] as { segments: Array<{ float: number[] }> }).segments[0]?.float ?? [];
    };
    const a = await embed('image bytes one');
    const b = await embed('image bytes one');
    const c = await embed('image bytes two');
    expect(a).toHaveLength(512);
    expect(b).toEqual(a);
    expect(dot(a, c)).toBeLessThan(0.5);
  });

  it('answers bad requests with v1 error bodies', async () => {
    const cases: Array<[FormData, string]> = [
      [form({ text: 'hello' }), 'parameter_not_provided'],
      [form({ model_name: 'marengo3.5', text: 'hello' }), 'parameter_invalid'],
      [form({ model_name: 'marengo3.0' }), 'parameter_not_provided'],
      [
        form({ model_name: 'Marengo-retrieval-2.7', text: 'word '.repeat(78), text_truncate: 'none' }),
        'parameter_invalid',
      ],
      [
        (() => {
          const f = form({ model_name: 'marengo3.0', image_url: 'https://e.com/a.jpg' });
          f.append('image_file', new Blob(['x']), 'a.jpg');
          return f;
        })(),
        'parameter_invalid',
      ],
    ];
    for (const [body, code] of cases) {
      const res = await call(emulator(), 'POST', '/embed', { form: body });
      expect(res.status).toBe(400);
      expect(res.json['code']).toBe(code);
      expect(res.json['docs_url']).toMatch(/^https:\/\//);
      expect(res.json['error']).toBeUndefined();
    }
  });
});

describe('/embed/tasks (v1)', () => {
  it('runs a video task through status -> ready with clip and video scopes', async () => {
    const created = await call(emulator(), 'POST', '/embed/tasks', {
      form: form({
        model_name: 'Marengo-retrieval-2.7',
        video_url: 'https://example.com/v.mp4',
        video_clip_length: '5',
        video_embedding_scope: ['clip', 'video'],
      }),
    });
    expect(created.status).toBe(200);
    const id = created.json['_id'] as string;
    expect(Object.keys(created.json)).toEqual(['_id']);
    const status = await call(emulator(), 'GET', `/embed/tasks/${id}/status`);
    expect(status.json).toMatchObject({
      _id: id,
      model_name: 'Marengo-retrieval-2.7',
      status: 'processing',
      video_embedding: { metadata: { video_clip_length: 5, video_embedding_scope: ['clip', 'video'], duration: 22 } },
    });
    await waitFor(
      () => call(emulator(), 'GET', `/embed/tasks/${id}/status`),
      (r) => r.json['status'] === 'ready',
    );
    const ready = await call(emulator(), 'GET', `/embed/tasks/${id}`);
    expect(ready.json['status']).toBe('ready');
    const segments = (
      ready.json['video_embedding'] as {
        segments: Array<{
          float: number[];
          start_offset_sec: number;
          end_offset_sec: number;
          embedding_option: string;
          embedding_scope: string;
        }>;
      }
    ).segments;
    const visual = segments.filter((s) => s.embedding_option === 'visual-text' && s.embedding_scope === 'clip');
    expect(visual.map((s) => [s.start_offset_sec, s.end_offset_sec])).toEqual([
      [0, 5],
      [5, 10],
      [10, 15],
      [15, 20],
      [20, 22],
    ]);
    expect(
      segments
        .filter((s) => s.embedding_scope === 'video')
        .map((s) => [s.embedding_option, s.start_offset_sec, s.end_offset_sec]),
    ).toEqual([
      ['visual-text', 0, 22],
      ['audio', 0, 22],
    ]);
    expect(segments[0]?.float).toHaveLength(1024);
    const audioOnly = await call(emulator(), 'GET', `/embed/tasks/${id}?embedding_option=audio`);
    const audioSegments = (audioOnly.json['video_embedding'] as { segments: Array<{ embedding_option: string }> })
      .segments;
    expect(audioSegments.length).toBe(6);
    expect(audioSegments.every((s) => s.embedding_option === 'audio')).toBe(true);
    const list = await call(emulator(), 'GET', '/embed/tasks?page=1&page_limit=10');
    expect(list.status).toBe(200);
    expect((list.json['data'] as Array<Record<string, unknown>>).find((t) => t['_id'] === id)).toMatchObject({
      status: 'ready',
      video_embedding: { metadata: { duration: 22 } },
    });
    expect(list.json['page_info']).toMatchObject({ page: 1, limit_per_page: 10 });
  });

  it('streams an uploaded video_file and defaults to 6 s clips', async () => {
    const body = new FormData();
    body.append('model_name', 'marengo3.0');
    body.append('video_file', new Blob([new Uint8Array(3 * 1024 * 1024).fill(7)]), 'upload.mp4');
    const ready = await readyV1Task(emulator(), body);
    const video = ready.json['video_embedding'] as {
      metadata: Record<string, unknown>;
      segments: Array<{ end_offset_sec: number; embedding_option: string }>;
    };
    expect(video.metadata).toMatchObject({
      input_filename: 'upload.mp4',
      video_clip_length: 6,
      video_embedding_scope: ['clip'],
      duration: 30,
    });
    expect(video.segments.filter((s) => s.embedding_option === 'visual').map((s) => s.end_offset_sec)).toEqual([
      6, 12, 18, 24, 30,
    ]);
  });

  it('validates clip length, sources and offsets', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [
        { model_name: 'marengo3.0', video_url: 'https://e.com/v.mp4', video_clip_length: '1' },
        'parameter_invalid',
        'The video_clip_length parameter is invalid.',
      ],
      [
        { model_name: 'marengo3.0', video_url: 'https://e.com/v.mp4', video_clip_length: '11' },
        'parameter_invalid',
        'The video_clip_length parameter is invalid.',
      ],
      [
        { model_name: 'marengo3.0' },
        'parameter_not_provided',
        'The video_file or video_url parameter is required but was not provided.',
      ],
      [
        { video_url: 'https://e.com/v.mp4' },
        'parameter_not_provided',
        'The model_name parameter is required but was not provided.',
      ],
      [
        { model_name: 'pegasus1.2', video_url: 'https://e.com/v.mp4' },
        'parameter_invalid',
        'The model_name parameter is invalid. Supported models: marengo3.0, Marengo-retrieval-2.7.',
      ],
      [
        { model_name: 'marengo3.0', video_url: 'https://e.com/v.mp4', video_start_offset_sec: '2' },
        'parameter_not_provided',
        'The video_end_offset_sec parameter is required but was not provided.',
      ],
      [
        { model_name: 'marengo3.0', video_url: 'https://e.com/v.mp4', video_embedding_scope: 'asset' },
        'parameter_invalid',
        'The video_embedding_scope parameter is invalid.',
      ],
      [
        { model_name: 'marengo3.0', video_url: 'not a url' },
        'parameter_invalid',
        'The video_url parameter is invalid. It must be a publicly accessible http(s) URL.',
      ],
    ];
    for (const [fields, code, message] of cases) {
      const res = await call(emulator(), 'POST', '/embed/tasks', { form: form(fields) });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.json).toMatchObject({ code, message });
    }
    const unknown = await call(emulator(), 'GET', '/embed/tasks/663da73b31cdd0c1f638a8e6');
    expect(unknown.status).toBe(404);
    expect(unknown.json['code']).toBe('resource_not_exist');
  });
});
