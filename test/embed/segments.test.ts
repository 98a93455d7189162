import { describe, expect, it } from 'vitest';
import { parseV1EmbedResponse, parseV1Task } from '../../src/embed/embed-v1.js';
import { parseV2EmbedResponse, parseV2Task, v2TaskOutcome } from '../../src/embed/embed-v2.js';
import { segmentsFromV1, segmentsFromV2, toVector } from '../../src/embed/segments.js';
import { InvalidResponseError, TaskFailedError } from '../../src/errors.js';
import { fixture, HAVE_FIXTURES, widenVectors } from './fixtures.js';

const vec = (n: number, v = 0.1): number[] => Array.from({ length: n }, () => v);

describe('toVector', () => {
  it('accepts exactly the model dimension of finite numbers', () => {
    const v = toVector(vec(512, 0.5), 512, 'x');
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(512);
    expect(v[0]).toBe(0.5);
  });
  it('rejects a wrong dimension', () => {
    expect(() => toVector(vec(1024), 512, 'x')).toThrow(InvalidResponseError);
    expect(() => toVector(vec(512), 1024, 'x')).toThrow(/512 values.*1024/);
  });
  it('rejects NaN, Infinity, null, strings and float32 overflow', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, null, '0.1', 1e300]) {
      const values: unknown[] = vec(512);
      values[17] = bad;
      expect(() => toVector(values, 512, 'x'), String(bad)).toThrow(InvalidResponseError);
    }
  });
});

describe('segmentsFromV2 / segmentsFromV1', () => {
  it('maps v2 fields and fills defaults for text (null times, option, scope)', () => {
    const [seg] = segmentsFromV2(
      [{ embedding: vec(512), embedding_option: null, embedding_scope: null, start_sec: null, end_sec: null }],
      'marengo3.0',
      {
        embeddingOption: 'text',
        embeddingScope: 'asset',
      },
    );
    expect(seg).toMatchObject({ startSec: 0, endSec: 0, embeddingOption: 'text', embeddingScope: 'asset' });
  });
  it('maps v1 fields', () => {
    const [seg] = segmentsFromV1(
      [
        {
          float: vec(1024),
          start_offset_sec: 6,
          end_offset_sec: 12,
          embedding_option: 'visual-text',
          embedding_scope: 'clip',
        },
      ],
      'Marengo-retrieval-2.7',
      { embeddingOption: 'x', embeddingScope: 'y' },
    );
    expect(seg).toMatchObject({ startSec: 6, endSec: 12, embeddingOption: 'visual-text', embeddingScope: 'clip' });
    expect(seg?.vector.length).toBe(1024);
  });
  it('rejects a 512-d vector for Marengo 2.7 and a 1024-d one for marengo3.5', () => {
    expect(() =>
      segmentsFromV1([{ float: vec(512) }], 'Marengo-retrieval-2.7', { embeddingOption: 'a', embeddingScope: 'b' }),
    ).toThrow(InvalidResponseError);
    expect(() =>
      segmentsFromV2([{ embedding: vec(1024) }], 'marengo3.5', { embeddingOption: 'a', embeddingScope: 'b' }),
    ).toThrow(InvalidResponseError);
  });
  it('rejects an inverted time range', () => {
    expect(() =>
      segmentsFromV2([{ embedding: vec(512), start_sec: 6, end_sec: 2 }], 'marengo3.0', {
        embeddingOption: 'a',
        embeddingScope: 'b',
      }),
    ).toThrow(/valid range/);
  });
});

describe.skipIf(!HAVE_FIXTURES)('segment mapping of the reference response fixtures', () => {
  it('v2 sync video: 7 segments with options, scopes and times', () => {
    const body = widenVectors(fixture('embed_v2_create.response.video.json'), 512, 'embedding');
    const res = parseV2EmbedResponse(body, 'marengo3.0', 'video');
    expect(res.segments).toHaveLength(7);
    expect(res.segments.map((s) => `${s.embeddingOption}/${s.embeddingScope}@${s.startSec}-${s.endSec}`)).toEqual([
      'visual/clip@0-6',
      'audio/clip@0-6',
      'fused/clip@0-6',
      'visual/clip@6-12',
      'audio/clip@6-12',
      'fused/clip@6-12',
      'visual/asset@0-12',
    ]);
  });
  it('v2 sync text: one segment', () => {
    const res = parseV2EmbedResponse(
      widenVectors(fixture('embed_v2_create.response.text.json'), 512, 'embedding'),
      'marengo3.0',
      'text',
    );
    expect(res.segments).toHaveLength(1);
    expect(res.segments[0]).toMatchObject({ embeddingOption: 'text', embeddingScope: 'asset', startSec: 0, endSec: 0 });
  });
  it('the raw fixtures (4-float vectors) are refused, never returned', () => {
    expect(() => parseV2EmbedResponse(fixture('embed_v2_create.response.video.json'), 'marengo3.0', 'video')).toThrow(
      InvalidResponseError,
    );
    expect(() => parseV1Task(fixture('embed_v1_tasks_retrieve.response.json'), 'Marengo-retrieval-2.7', 'x')).toThrow(
      InvalidResponseError,
    );
  });
  it('v2 task ready and failed', () => {
    const ready = parseV2Task(
      widenVectors(fixture('embed_v2_tasks_retrieve.response.ready.json'), 512, 'embedding'),
      'marengo3.0',
      'x',
    );
    expect(ready.id).toBe('6900aa11bb22cc33dd44ee55');
    const outcome = v2TaskOutcome(ready);
    expect(outcome.done && outcome.value.map((s) => `${s.embeddingOption}@${s.endSec}`)).toEqual([
      'visual@4.2',
      'transcription@4.2',
    ]);
    const failed = parseV2Task(fixture('embed_v2_tasks_retrieve.response.failed.json'), 'marengo3.0', 'x');
    expect(() => v2TaskOutcome(failed)).toThrow(TaskFailedError);
    expect(() => v2TaskOutcome(failed)).toThrow(/could not process your media/);
    const created = parseV2Task(fixture('embed_v2_tasks_create.response.202.json'), 'marengo3.0', 'x');
    expect(created).toMatchObject({ id: '6900aa11bb22cc33dd44ee55', status: 'processing', segments: undefined });
  });
  it('v1 sync: text, image and audio results (fixture labelled marengo3.0: 512-d)', () => {
    const res = parseV1EmbedResponse(
      widenVectors(fixture('embed_v1_create.response.json'), 512, 'float'),
      'marengo3.0',
    );
    expect(res.text).toHaveLength(1);
    expect(res.image).toHaveLength(1);
    expect(res.audio?.map((s) => [s.startSec, s.endSec])).toEqual([
      [0, 6],
      [6, 12],
    ]);
  });
  it('v1 task retrieve: segments with options and scopes; status without segments', () => {
    const task = parseV1Task(
      widenVectors(fixture('embed_v1_tasks_retrieve.response.json'), 1024, 'float'),
      'Marengo-retrieval-2.7',
      'x',
    );
    expect(task.status).toBe('ready');
    expect(task.segments?.map((s) => `${s.embeddingOption}/${s.embeddingScope}@${s.startSec}-${s.endSec}`)).toEqual([
      'visual/clip@0-6',
      'audio/clip@0-6',
      'visual/clip@6-12',
      'visual/video@0-30',
    ]);
    const status = parseV1Task(fixture('embed_v1_tasks_status.response.json'), 'Marengo-retrieval-2.7', 'x');
    expect(status).toMatchObject({ status: 'processing', segments: undefined });
    expect(parseV1Task(fixture('embed_v1_tasks_create.response.json'), 'Marengo-retrieval-2.7', 'x').id).toBe(
      '663da73b31cdd0c1f638a8e6',
    );
  });
});
