import { describe, expect, it } from 'vitest';
import {
  analyzeOutcome,
  buildAnalyzeRequest,
  parseAnalyzeTask,
  parseTimeBasedMetadata,
  parseTimestamp,
} from '../../src/embed/analyze.js';
import { InputError, InvalidResponseError, TaskFailedError } from '../../src/errors.js';
import { fixture, HAVE_FIXTURES } from './fixtures.js';

describe.skipIf(!HAVE_FIXTURES)('analyze fixtures', () => {
  it('a ready time_based_metadata task gives timestamped segments', () => {
    const task = parseAnalyzeTask(fixture('analyze_tasks_retrieve.response.segmentation_ready.json'), 'x');
    expect(task.status).toBe('ready');
    expect(task.segments).toEqual([
      {
        definition: 'scene',
        startSec: 0,
        endSec: 12.5,
        metadata: { sentiment: 'neutral', key_objects: ['car', 'street'] },
      },
      { definition: 'scene', startSec: 12.5, endSec: 31, metadata: { sentiment: 'positive', key_objects: ['dog'] } },
    ]);
  });
  it('a failed task -> TaskFailedError with the reason', () => {
    const task = parseAnalyzeTask(fixture('analyze_tasks_retrieve.response.failed.json'), 'x');
    expect(() => analyzeOutcome(task)).toThrow(TaskFailedError);
    expect(() => analyzeOutcome(task)).toThrow(/exceeds maximum allowed duration/);
  });
  it('the request builder matches the segmentation fixture', () => {
    const expected = fixture('analyze_tasks_create.request.segmentation.json') as Record<string, unknown>;
    const body = buildAnalyzeRequest({
      model: 'pegasus1.5',
      customId: 'prod-segment-analysis-42',
      video: { url: 'https://example.com/video.mp4' },
      analysisMode: 'time_based_metadata',
      responseFormat: expected['response_format'] as never,
      minSegmentDuration: 5,
      maxSegmentDuration: 30,
    });
    expect(body).toEqual(expected);
  });
});

describe('analyze parsing', () => {
  it('reads HH:MM:SS and MM:SS timestamps', () => {
    expect(parseTimestamp('01:02:03.5', 'x')).toBe(3723.5);
    expect(parseTimestamp('02:03', 'x')).toBe(123);
    expect(parseTimestamp(4, 'x')).toBe(4);
    expect(() => parseTimestamp('later', 'x')).toThrow(InvalidResponseError);
  });
  it('rejects a segment that ends before it starts, and non-JSON', () => {
    expect(() => parseTimeBasedMetadata('{"scene":[{"start_time":5,"end_time":1}]}')).toThrow(InvalidResponseError);
    expect(() => parseTimeBasedMetadata('not json')).toThrow(InvalidResponseError);
  });
  it('refuses a prompt with time_based_metadata, and a local file', () => {
    expect(() =>
      buildAnalyzeRequest({ video: { url: 'u' }, analysisMode: 'time_based_metadata', prompt: 'p' }),
    ).toThrow(InputError);
    expect(() => buildAnalyzeRequest({ video: { file: '/tmp/x.mp4' } })).toThrow(InputError);
  });
});
