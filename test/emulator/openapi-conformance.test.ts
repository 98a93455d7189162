import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { type ApiResponse, call, EMULATOR_OPTIONS, HAVE_REFERENCE, REFERENCE_DIR, waitFor } from './helpers.js';
import { type Schema, SchemaWalker } from './schema-walker.js';

if (!HAVE_REFERENCE) console.warn(`skipping OpenAPI conformance: ${REFERENCE_DIR} is absent`);

interface Exchange {
  method: string;
  template: string;
  response: ApiResponse;
}

describe.skipIf(!HAVE_REFERENCE)('responses validate against the OpenAPI response schemas', () => {
  let emu: RunningEmulator;
  let current: SchemaWalker;
  let marengo27: SchemaWalker;
  const exchanges: Exchange[] = [];

  const record = async (
    method: string,
    template: string,
    path: string,
    init: Parameters<typeof call>[3] = {},
  ): Promise<ApiResponse> => {
    const response = await call(emu, method, path, init);
    exchanges.push({ method, template, response });
    return response;
  };

  const suiteEmulator = useEmulator({
    ...EMULATOR_OPTIONS,
    taskDelayMs: 30,
    scenario: { 'v.mp4': { duration_sec: 14, segments: [{ start: 0, end: 14, text: 'kids playing football' }] } },
  });

  beforeAll(async () => {
    const load = (name: string): SchemaWalker =>
      new SchemaWalker(JSON.parse(readFileSync(join(REFERENCE_DIR, name), 'utf8')) as Schema);
    current = load('twelvelabs-openapi-2026-07.json');
    marengo27 = load('twelvelabs-openapi-2026-03-marengo27.json');
    emu = suiteEmulator();

    const video = {
      media_source: { url: 'https://e.com/v.mp4' },
      embedding_type: ['separate_embedding', 'fused_embedding'],
    };
    await record('POST', '/embed-v2', '/embed-v2', {
      json: { input_type: 'text', model_name: 'marengo3.0', text: { input_text: 'football' } },
    });
    await record('POST', '/embed-v2', '/embed-v2', {
      json: { input_type: 'image', model_name: 'marengo3.0', image: { media_source: { url: 'https://e.com/a.png' } } },
    });
    await record('POST', '/embed-v2', '/embed-v2', {
      json: {
        input_type: 'text_image',
        model_name: 'marengo3.0',
        text_image: { input_text: 'x', media_source: { url: 'https://e.com/a.png' } },
      },
    });
    await record('POST', '/embed-v2', '/embed-v2', {
      json: { input_type: 'audio', model_name: 'marengo3.0', audio: { media_source: { url: 'https://e.com/a.mp3' } } },
    });
    await record('POST', '/embed-v2', '/embed-v2', { json: { input_type: 'video', model_name: 'marengo3.0', video } });
    await record('POST', '/embed-v2', '/embed-v2', { json: { input_type: 'video', model_name: 'marengo3.0' } });
    const v2 = await record('POST', '/embed-v2/tasks', '/embed-v2/tasks', {
      json: { input_type: 'video', model_name: 'marengo3.0', video },
    });
    const v2a = await record('POST', '/embed-v2/tasks', '/embed-v2/tasks', {
      json: { input_type: 'audio', model_name: 'marengo3.0', audio: { media_source: { url: 'https://e.com/a.mp3' } } },
    });
    await record('GET', '/embed-v2/tasks/{task_id}', `/embed-v2/tasks/${v2.json['_id'] as string}`);
    await waitFor(
      () => call(emu, 'GET', `/embed-v2/tasks/${v2.json['_id'] as string}`),
      (r) => r.json['status'] === 'ready',
    );
    await waitFor(
      () => call(emu, 'GET', `/embed-v2/tasks/${v2a.json['_id'] as string}`),
      (r) => r.json['status'] === 'ready',
    );
    await record('GET', '/embed-v2/tasks/{task_id}', `/embed-v2/tasks/${v2.json['_id'] as string}`);
    await record('GET', '/embed-v2/tasks/{task_id}', `/embed-v2/tasks/${v2a.json['_id'] as string}`);
    await record('GET', '/embed-v2/tasks/{task_id}', '/embed-v2/tasks/000000000000000000000000');
    await record('GET', '/embed-v2/tasks', '/embed-v2/tasks');

    const form = new FormData();
    form.append('model_name', 'Marengo-retrieval-2.7');
    form.append('text', 'football');
    form.append('image_url', 'https://e.com/a.png');
    form.append('audio_url', 'https://e.com/a.mp3');
    await record('POST', '/embed', '/embed', { form });
    const bad = new FormData();
    bad.append('text', 'x');
    await record('POST', '/embed', '/embed', { form: bad });
    const taskForm = new FormData();
    taskForm.append('model_name', 'Marengo-retrieval-2.7');
    taskForm.append('video_url', 'https://e.com/v.mp4');
    taskForm.append('video_embedding_scope', 'clip');
    taskForm.append('video_embedding_scope', 'video');
    const v1 = await record('POST', '/embed/tasks', '/embed/tasks', { form: taskForm });
    const v1id = v1.json['_id'] as string;
    await record('GET', '/embed/tasks/{task_id}/status', `/embed/tasks/${v1id}/status`);
    await waitFor(
      () => call(emu, 'GET', `/embed/tasks/${v1id}/status`),
      (r) => r.json['status'] === 'ready',
    );
    await record('GET', '/embed/tasks/{task_id}', `/embed/tasks/${v1id}`);
    await record('GET', '/embed/tasks', '/embed/tasks');

    const assetForm = new FormData();
    assetForm.append('method', 'direct');
    assetForm.append('file', new Blob(['bytes']), 'v.mp4');
    const asset = await record('POST', '/assets', '/assets', { form: assetForm });
    await waitFor(
      () => call(emu, 'GET', `/assets/${asset.json['_id'] as string}`),
      (r) => r.json['status'] === 'ready',
    );
    await record('GET', '/assets/{asset_id}', `/assets/${asset.json['_id'] as string}`);
    await record('GET', '/assets', '/assets?asset_types=video');
    const session = await record('POST', '/assets/multipart-uploads', '/assets/multipart-uploads', {
      json: { filename: 'v.mp4', type: 'video', total_size: 4 },
    });
    const uploadId = session.json['upload_id'] as string;
    const url = (session.json['upload_urls'] as Array<{ url: string }>)[0]?.url ?? '';
    const etag = (await fetch(url, { method: 'PUT', body: 'abcd' })).headers.get('etag') ?? '';
    await record('GET', '/assets/multipart-uploads', '/assets/multipart-uploads');
    await record(
      'POST',
      '/assets/multipart-uploads/{upload_id}/presigned-urls',
      `/assets/multipart-uploads/${uploadId}/presigned-urls`,
      { json: { start: 1, count: 1 } },
    );
    await record('GET', '/assets/multipart-uploads/{upload_id}', `/assets/multipart-uploads/${uploadId}`);
    await record('POST', '/assets/multipart-uploads/{upload_id}', `/assets/multipart-uploads/${uploadId}`, {
      json: { completed_chunks: [{ chunk_index: 1, proof: etag, proof_type: 'etag', chunk_size: 4 }] },
    });
    await record('GET', '/assets/multipart-uploads/{upload_id}', `/assets/multipart-uploads/${uploadId}`);

    const general = await record('POST', '/analyze/tasks', '/analyze/tasks', {
      json: { video: { type: 'url', url: 'https://e.com/v.mp4' }, prompt: 'Summarize', custom_id: 'c-1' },
    });
    const segments = await record('POST', '/analyze/tasks', '/analyze/tasks', {
      json: {
        model_name: 'pegasus1.5',
        video: { type: 'asset_id', asset_id: asset.json['_id'] },
        analysis_mode: 'time_based_metadata',
        response_format: {
          type: 'segment_definitions',
          segment_definitions: [
            { id: 'scene', description: 'scene', fields: [{ name: 'mood', type: 'string', description: 'mood' }] },
          ],
        },
      },
    });
    await record('POST', '/analyze/tasks', '/analyze/tasks', { json: { prompt: 'x' } });
    for (const created of [general, segments]) {
      const id = created.json['task_id'] as string;
      await record('GET', '/analyze/tasks/{task_id}', `/analyze/tasks/${id}`);
      await waitFor(
        () => call(emu, 'GET', `/analyze/tasks/${id}`),
        (r) => r.json['status'] === 'ready',
      );
      await record('GET', '/analyze/tasks/{task_id}', `/analyze/tasks/${id}`);
    }
    await record('GET', '/analyze/tasks', '/analyze/tasks');
    await record('GET', '/analyze/tasks/{task_id}', '/analyze/tasks/000000000000000000000000');

    emu.setFaults({ rate_429: 1, routes: ['POST /embed-v2'] });
    await record('POST', '/embed-v2', '/embed-v2', {
      json: { input_type: 'text', model_name: 'marengo3.0', text: { input_text: 'x' } },
    });
  });

  it('every recorded response matches its declared schema (strict: no undeclared fields)', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { method, template, response } of exchanges) {
      const schema = current.responseSchema(method, template, response.status);
      if (schema === undefined) {
        problems.push(`${method} ${template} ${response.status}: no response declared in the spec`);
        continue;
      }
      checked += 1;
      for (const error of current.validate(response.json, schema, '$', { strict: true })) {
        // v1 400s carry docs_url as in fixtures/error_v1.400.json and the 2026-03 spec; the 2026-07 spec dropped it from the schema.
        if (response.status === 400 && error === '$: unexpected property docs_url') continue;
        problems.push(`${method} ${template} ${response.status}: ${error}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBe(exchanges.length);
    expect(new Set(exchanges.map((e) => e.response.status))).toEqual(new Set([200, 201, 202, 400, 404, 429]));
  });

  it('the v1 embed responses also match the Marengo 2.7-era spec', () => {
    const v1 = exchanges.filter((e) => e.template.startsWith('/embed/') || e.template === '/embed');
    expect(v1.length).toBeGreaterThan(4);
    for (const { method, template, response } of v1) {
      const schema = marengo27.responseSchema(method, template, response.status);
      expect(schema, `${method} ${template} ${response.status}`).toBeDefined();
      expect(marengo27.validate(response.json, schema ?? {}, '$', { strict: true }), `${method} ${template}`).toEqual(
        [],
      );
    }
  });

  it('the walker itself rejects wrong shapes', () => {
    const schema = current.responseSchema('GET', '/embed-v2/tasks/{task_id}', 200) ?? {};
    expect(current.validate({ _id: 'x', status: 'done', data: [] }, schema)).toEqual([
      expect.stringContaining('not in enum'),
    ]);
    expect(current.validate({ status: 'ready', data: [{ embedding: ['a'] }] }, schema).length).toBe(2);
    expect(current.validate({ _id: 'x', status: 'ready', data: [], extra: 1 }, schema, '$', { strict: true })).toEqual([
      '$: unexpected property extra',
    ]);
  });
});
