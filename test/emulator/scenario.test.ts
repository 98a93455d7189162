import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Scenario, startEmulator } from '../../src/emulator/index.js';
import { InputError } from '../../src/errors.js';
import { useEmulator } from '../helpers/emulator.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { call, dot, EMULATOR_OPTIONS, waitFor } from './helpers.js';

const SCENARIO: Scenario = {
  'city.mp4': {
    duration_sec: 30,
    segments: [
      { start: 0, end: 10, text: 'a golden retriever catching a frisbee in the park' },
      { start: 10, end: 20, text: 'traffic jam on a rainy highway' },
      { start: 20, end: 30, text: 'chef chopping onions in a kitchen' },
    ],
  },
  'beach.mp4': { duration_sec: 12, segments: [{ start: 0, end: 12, text: 'waves crashing on a sandy beach' }] },
  'broken.mp4': { duration_sec: 8, segments: [], fail: true },
};

const suiteDir = useSuiteTempDir();
const scenarioFile = (): string => join(suiteDir(), 'scenario.json');
beforeAll(() => {
  writeFileSync(scenarioFile(), JSON.stringify(SCENARIO));
});
// Started from the file (after the hook above writes it): the file path is what is tested.
const emu = useEmulator(() => ({ ...EMULATOR_OPTIONS, scenario: scenarioFile() }));

interface Seg {
  embedding: number[];
  start_sec: number;
  end_sec: number;
  video: string;
}

async function videoSegments(name: string): Promise<Seg[]> {
  const res = await call(emu(), 'POST', '/embed-v2', {
    json: {
      input_type: 'video',
      model_name: 'marengo3.0',
      video: {
        media_source: { url: `https://cdn.example.com/${name}` },
        segmentation: { strategy: 'fixed', fixed: { duration_sec: 5 } },
        embedding_option: ['visual', 'audio'],
        embedding_scope: ['clip'],
      },
    },
  });
  expect(res.status).toBe(200);
  return (res.json['data'] as Seg[]).map((s) => ({ ...s, video: name }));
}

async function text(query: string): Promise<number[]> {
  const res = await call(emu(), 'POST', '/embed-v2', {
    json: { input_type: 'text', model_name: 'marengo3.0', text: { input_text: query } },
  });
  return (res.json['data'] as Array<{ embedding: number[] }>)[0]?.embedding ?? [];
}

describe('scenario', () => {
  it('ranks the described scene first for a text query about it', async () => {
    const segments = [...(await videoSegments('city.mp4')), ...(await videoSegments('beach.mp4'))];
    expect(segments.filter((s) => s.video === 'city.mp4').at(-1)?.end_sec).toBe(30);
    const queries: Array<[string, string, number, number]> = [
      ['dog catching a frisbee', 'city.mp4', 0, 10],
      ['rainy highway traffic', 'city.mp4', 10, 20],
      ['someone chopping onions', 'city.mp4', 20, 30],
      ['beach waves', 'beach.mp4', 0, 12],
    ];
    for (const [query, video, sceneStart, sceneEnd] of queries) {
      const q = await text(query);
      const ranked = [...segments].sort((a, b) => dot(q, b.embedding) - dot(q, a.embedding));
      const best = ranked[0];
      expect(best?.video, query).toBe(video);
      expect(best?.start_sec, query).toBeGreaterThanOrEqual(sceneStart);
      expect(best?.end_sec, query).toBeLessThanOrEqual(sceneEnd);
    }
  });

  it('answers duration and dynamic segmentation from the scenario', async () => {
    const res = await call(emu(), 'POST', '/embed-v2', {
      json: {
        input_type: 'video',
        model_name: 'marengo3.0',
        video: {
          media_source: { url: 'https://cdn.example.com/city.mp4' },
          segmentation: { strategy: 'dynamic', dynamic: { min_duration_sec: 4 } },
          embedding_option: ['visual'],
          embedding_scope: ['clip'],
        },
      },
    });
    expect(res.status).toBe(200);
    expect((res.json['data'] as Seg[]).map((s) => [s.start_sec, s.end_sec])).toEqual([
      [0, 10],
      [10, 20],
      [20, 30],
    ]);
    expect(res.json['metadata']).toMatchObject({ duration: 30 });
    expect((res.json['metadata'] as Record<string, unknown>)['clip_length']).toBeUndefined();
  });

  it('fails tasks on media the scenario marks as failing', async () => {
    const created = await call(emu(), 'POST', '/embed-v2/tasks', {
      json: {
        input_type: 'video',
        model_name: 'marengo3.0',
        video: { media_source: { url: 'https://cdn.example.com/broken.mp4' } },
      },
    });
    expect(created.status).toBe(202);
    const id = created.json['_id'] as string;
    const done = await waitFor(
      () => call(emu(), 'GET', `/embed-v2/tasks/${id}`),
      (r) => r.json['status'] !== 'processing',
    );
    expect(done.json).toMatchObject({ status: 'failed', data: null, error: { message: expect.any(String) } });
  });

  it('rejects a missing or malformed scenario with InputError', async () => {
    // startEmulator itself, not the fixture: what is tested is how starting fails.
    await expect(startEmulator({ scenario: '/nonexistent/scenario.json' })).rejects.toBeInstanceOf(InputError);
    await expect(startEmulator({ scenario: { 'x.mp4': { duration_sec: -1, segments: [] } } })).rejects.toThrow(
      /duration_sec/,
    );
    await expect(startEmulator({ port: 70000 })).rejects.toBeInstanceOf(InputError);
  });
});
