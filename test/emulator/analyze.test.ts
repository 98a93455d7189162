import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { call, EMULATOR_OPTIONS, waitFor } from './helpers.js';

// Long enough that the DELETE right after creation still finds the task processing on a loaded machine.
const emulator = useEmulator({
  ...EMULATOR_OPTIONS,
  taskDelayMs: 1500,
  scenario: {
    'video.mp4': {
      duration_sec: 31,
      segments: [
        { start: 0, end: 12.5, text: 'a car on a street' },
        { start: 12.5, end: 31, text: 'a dog in a garden' },
      ],
    },
  },
});

const SEGMENTATION_REQUEST = {
  model_name: 'pegasus1.5',
  custom_id: 'prod-segment-analysis-42',
  video: { type: 'url', url: 'https://example.com/video.mp4' },
  analysis_mode: 'time_based_metadata',
  response_format: {
    type: 'segment_definitions',
    segment_time_format: 'seconds',
    segment_definitions: [
      {
        id: 'scene',
        description: 'A distinct scene',
        fields: [
          { name: 'sentiment', type: 'string', description: 'tone', enum: ['positive', 'negative', 'neutral'] },
          { name: 'key_objects', type: 'array', description: 'objects', items: { type: 'string' } },
        ],
      },
    ],
  },
  min_segment_duration: 5,
  max_segment_duration: 30,
};

describe('/analyze/tasks', () => {
  it('creates (202 queued), runs to ready with time_based_metadata segments, lists and deletes', async () => {
    const created = await call(emulator(), 'POST', '/analyze/tasks', { json: SEGMENTATION_REQUEST });
    expect(created.status).toBe(202);
    expect(created.json).toEqual({ task_id: expect.stringMatching(/^[0-9a-f]{24}$/), status: 'queued' });
    const id = created.json['task_id'] as string;
    const early = await call(emulator(), 'DELETE', `/analyze/tasks/${id}`);
    expect(early.status).toBe(409);
    const ready = await waitFor(
      () => call(emulator(), 'GET', `/analyze/tasks/${id}`),
      (r) => r.json['status'] === 'ready',
    );
    expect(ready.json).toMatchObject({
      task_id: id,
      custom_id: 'prod-segment-analysis-42',
      status: 'ready',
      video_source: { type: 'url', url: 'https://example.com/video.mp4', system_metadata: { duration: 31 } },
      request_params: { analysis_mode: 'time_based_metadata', min_segment_duration: 5, max_segment_duration: 30 },
      result: { finish_reason: 'stop', usage: { output_tokens: expect.any(Number) } },
    });
    const result = JSON.parse((ready.json['result'] as { data: string }).data) as {
      scene: Array<{ start_time: number; end_time: number; metadata: { sentiment: string; key_objects: string[] } }>;
    };
    expect(result.scene.map((s) => [s.start_time, s.end_time])).toEqual([
      [0, 12.5],
      [12.5, 31],
    ]);
    expect(['positive', 'negative', 'neutral']).toContain(result.scene[0]?.metadata.sentiment);
    expect(result.scene[1]?.metadata.key_objects).toEqual(['dog', 'garden']);

    const list = await call(emulator(), 'GET', '/analyze/tasks?analysis_mode=time_based_metadata');
    expect(list.status).toBe(200);
    const items = list.json['data'] as Array<Record<string, unknown>>;
    expect(items.map((t) => t['task_id'])).toContain(id);
    expect(items[0]?.['result']).toBeUndefined();
    expect(list.json['page_info']).toMatchObject({ page: 1, total_results: items.length });

    const deleted = await call(emulator(), 'DELETE', `/analyze/tasks/${id}`);
    expect(deleted.status).toBe(200);
    const gone = await call(emulator(), 'GET', `/analyze/tasks/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ error: { code: 'resource_not_exist' } });
  });

  it('answers a general prompt with text built from the scenario', async () => {
    const before = emulator().stats();
    const created = await call(emulator(), 'POST', '/analyze/tasks', {
      json: { video: { type: 'url', url: 'https://example.com/video.mp4' }, prompt: 'Summarize' },
    });
    const id = created.json['task_id'] as string;
    const ready = await waitFor(
      () => call(emulator(), 'GET', `/analyze/tasks/${id}`),
      (r) => r.json['status'] === 'ready',
    );
    expect((ready.json['result'] as { data: string }).data).toContain('a dog in a garden');
    expect(ready.json['custom_id']).toBeNull();
    // Counted as an analyze task, and among all tasks.
    expect(emulator().stats().analyze_tasks - before.analyze_tasks).toBe(1);
    expect(emulator().stats().tasks_created - before.tasks_created).toBe(1);
  });

  it('validates like the service (v2 error bodies)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ prompt: 'x' }, 'parameter_not_provided'],
      [{ video: { type: 'url', url: 'https://e.com/v.mp4' } }, 'parameter_not_provided'],
      [{ video: { type: 'ftp', url: 'x' }, prompt: 'x' }, 'parameter_invalid'],
      [{ ...SEGMENTATION_REQUEST, model_name: 'pegasus1.2' }, 'parameter_invalid'],
      [{ video: { type: 'url', url: 'https://e.com/v.mp4' }, prompt: 'x', model_name: 'gpt' }, 'parameter_invalid'],
    ];
    for (const [json, code] of cases) {
      const res = await call(emulator(), 'POST', '/analyze/tasks', { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.json, JSON.stringify(json)).toMatchObject({ error: { code } });
    }
  });
});
