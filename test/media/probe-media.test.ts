import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/media/index.js';
import { HAS_SHARED_DATA, PROJECT_ROOT, SHARED_DATA } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const generated = join(PROJECT_ROOT, 'test', 'fixtures', 'media');

interface Row {
  file: string;
  durationSec: number;
  fps?: number;
  width?: number;
  height?: number;
}

/** ffprobe's readings of each file (the bbb oracle JSON; the rest measured with ffprobe 5.x). */
const SHARED: Row[] = [
  { file: 'media_bbb_clips/big_buck_bunny_720p_1mb.mp4', durationSec: 5.312, fps: 25, width: 1280, height: 720 },
  { file: 'media_bbb_clips/ffmpegcore_input_3sec_bbb.mp4', durationSec: 3.008, fps: 25, width: 1280, height: 720 },
  { file: 'media_bbb_clips/ffmpegcore_input_audio_only_10sec.mp4', durationSec: 10.008 },
  { file: 'media_bbb_clips/bramp_test.mp3', durationSec: 12.416 },
  { file: 'media_twelvelabs_sdk_assets/audio_sample.mp3', durationSec: 33.28 },
  { file: 'media_fluent_ffmpeg/testvideo-169.avi', durationSec: 2, fps: 5, width: 1280, height: 720 },
  { file: 'media_fluent_ffmpeg/testvideo-43.avi', durationSec: 2, fps: 5, width: 1024, height: 768 },
  { file: 'media_fluent_ffmpeg/testaudio-one.wav', durationSec: 1 },
  { file: 'media_popeye_public_domain/vob/Title T00-1.mkv', durationSec: 64.988, fps: 29.97, width: 720, height: 478 },
  { file: 'media_popeye_public_domain/vob/Title T02-3.mkv', durationSec: 61.034, fps: 29.97, width: 720, height: 476 },
];

const GENERATED: Row[] = [
  { file: 'testsrc-5s-480x360-30fps.webm', durationSec: 5.003, fps: 30, width: 480, height: 360 },
  { file: 'testsrc-6s-640x360-24fps.mov', durationSec: 6, fps: 24, width: 640, height: 360 },
  { file: 'sine-4.5s.flac', durationSec: 4.5 },
  { file: 'sine-7s.m4a', durationSec: 7 },
];

async function expectFacts(path: string, row: Row): Promise<void> {
  const facts = await probeMedia(path);
  expect(facts, path).toBeDefined();
  expect(
    Math.abs((facts?.durationSec ?? Number.NaN) - row.durationSec),
    `duration of ${path}: ${String(facts?.durationSec)}`,
  ).toBeLessThan(0.1);
  expect(facts?.hasVideo).toBe(row.width !== undefined);
  if (row.fps !== undefined) expect(facts?.fps).toBeCloseTo(row.fps, 2);
  expect(facts?.width).toBe(row.width);
  expect(facts?.height).toBe(row.height);
  expect(facts?.sizeBytes).toBe((await readFile(path)).length);
}

describe('probeMedia (MediaInfo, no ffprobe needed)', () => {
  it.skipIf(!HAS_SHARED_DATA).each(SHARED)('reads $file from ../shared/data', async (row) => {
    await expectFacts(join(SHARED_DATA, row.file), row);
  });

  it.each(GENERATED)('reads the generated $file', async (row) => {
    await expectFacts(join(generated, row.file), row);
  });

  it.skipIf(!HAS_SHARED_DATA)('agrees with the ffprobe oracle of big_buck_bunny_720p_1mb.mp4', async () => {
    const oracle = JSON.parse(
      await readFile(join(SHARED_DATA, 'media_bbb_clips', 'ffprobe-big_buck_bunny_720p_1mb.json'), 'utf8'),
    ) as { format: { duration: string } };
    const facts = await probeMedia(join(SHARED_DATA, 'media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4'));
    expect(facts?.durationSec).toBeCloseTo(Number(oracle.format.duration), 2);
  });

  it.skipIf(!HAS_SHARED_DATA)('gives a still image its size and no duration', async () => {
    const png = await probeMedia(join(SHARED_DATA, 'media_twelvelabs_sdk_assets', 'search_sample.png'));
    expect([png?.durationSec, png?.width, png?.height, png?.hasVideo]).toEqual([undefined, 744, 476, false]);
  });

  it('says nothing of a file that is not media, and many probes at once each get their own answer', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.mp4'), 'plain text, not a video at all');
    const paths = [join(dir, 'notes.mp4'), ...GENERATED.map((row) => join(generated, row.file))];
    const all = await Promise.all(paths.map((path) => probeMedia(path)));
    expect(all[0]?.durationSec).toBeUndefined();
    expect(all.slice(1).map((facts) => Math.round((facts?.durationSec ?? 0) * 10) / 10)).toEqual([5, 6, 4.5, 7]);
  });
});
