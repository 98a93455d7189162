import { describe, expect, it } from 'vitest';
import type { MediaFacts } from '../../src/media/index.js';
import { uploadProblem } from '../../src/tasks/index.js';

const video = (over: Partial<MediaFacts>): MediaFacts => ({
  durationSec: 60,
  fps: 25,
  width: 1280,
  height: 720,
  sizeBytes: 1_000_000,
  hasVideo: true,
  hasAudio: true,
  ...over,
});

describe('the documented Marengo prerequisites of an upload', () => {
  it.each([
    ['a 60 s 1280x720 video', video({}), undefined],
    ['exactly 4 s and 360x360', video({ durationSec: 4, width: 360, height: 360 }), undefined],
    ['a portrait 2160x3840 video', video({ width: 2160, height: 3840 }), undefined],
    ['3 s', video({ durationSec: 3 }), 'video_duration_too_short'],
    ['2 h and 1 s', video({ durationSec: 7201 }), 'video_duration_too_long'],
    ['no readable duration', video({ durationSec: undefined }), 'video_duration_invalid'],
    ['640x358', video({ width: 640, height: 358 }), 'video_resolution_too_low'],
    ['4096x2160', video({ width: 4096, height: 2160 }), 'video_resolution_too_high'],
    ['3840x2400', video({ width: 3840, height: 2400 }), 'video_resolution_too_high'],
    ['no video stream', video({ hasVideo: false, width: undefined, height: undefined }), 'unsupported_media_type'],
    ['no media at all', undefined, 'unsupported_media_type'],
    ['one byte over 2 GB', video({ sizeBytes: 2 * 1024 ** 3 + 1 }), 'video_filesize_too_large'],
  ])('%s', (_, facts, code) => {
    expect(uploadProblem(facts)?.code).toBe(code);
  });

  it('takes a smaller configured size limit and says it', () => {
    expect(uploadProblem(video({ sizeBytes: 2000 }), 1000)).toEqual({
      code: 'video_filesize_too_large',
      message: 'The video file is 2000 bytes; the file size must not exceed 1000 bytes.',
    });
  });
});
