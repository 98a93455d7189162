import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectMediaType, mediaTypeFromMagic, probeDuration } from '../../src/media/index.js';
import { HAS_SHARED_DATA, PROJECT_ROOT, SHARED_DATA } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const samples = join(PROJECT_ROOT, 'data', 'media-samples');

describe('detectMediaType', () => {
  it.each([
    ['bbb-3sec.mp4', 'video', 'mp4'],
    ['test-card-16x9.avi', 'video', 'avi'],
    ['test-tone.wav', 'audio', 'wav'],
  ])('%s is %s (%s)', async (name, modality, format) => {
    expect(await detectMediaType(join(samples, name))).toEqual({ ok: true, type: { modality, format } });
  });

  it.skipIf(!HAS_SHARED_DATA)('reads the shared mp3 and png by their bytes', async () => {
    expect(await detectMediaType(join(SHARED_DATA, 'media_bbb_clips', 'bramp_test.mp3'))).toEqual({
      ok: true,
      type: { modality: 'audio', format: 'mp3' },
    });
    expect(await detectMediaType(join(SHARED_DATA, 'media_twelvelabs_sdk_assets', 'search_sample.png'))).toEqual({
      ok: true,
      type: { modality: 'image', format: 'png' },
    });
  });

  it('reports a file whose content contradicts its name, an empty file and an unknown type', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'fake.mp4'), 'plain text, not a video');
    await writeFile(join(dir, 'empty.wav'), '');
    await writeFile(join(dir, 'thing.xyz'), 'abc');
    await writeFile(join(dir, 'image.mp4'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    expect(await detectMediaType(join(dir, 'fake.mp4'))).toEqual({
      ok: false,
      reason: expect.stringMatching(/content is not a mp4 file/),
    });
    expect(await detectMediaType(join(dir, 'empty.wav'))).toEqual({ ok: false, reason: 'the file is empty' });
    expect(await detectMediaType(join(dir, 'thing.xyz'))).toEqual({
      ok: false,
      reason: expect.stringMatching(/unsupported file type \.xyz/),
    });
    expect(await detectMediaType(join(dir, 'image.mp4'))).toEqual({
      ok: false,
      reason: expect.stringMatching(/named like video \(mp4\) but its content is image \(png\)/),
    });
  });

  it('knows the signatures', () => {
    expect(mediaTypeFromMagic(Buffer.from('\x1aE\xdf\xa3....webm', 'latin1'))).toEqual({
      modality: 'video',
      format: 'webm',
    });
    expect(mediaTypeFromMagic(Buffer.from('fLaC\0\0\0\0', 'latin1'))).toEqual({ modality: 'audio', format: 'flac' });
    expect(mediaTypeFromMagic(Buffer.from('\0\0\0\x20ftypM4A \0\0', 'latin1'))).toEqual({
      modality: 'audio',
      format: 'm4a',
    });
    expect(mediaTypeFromMagic(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ modality: 'image', format: 'jpeg' });
    expect(mediaTypeFromMagic(Buffer.from('hello world'))).toBeUndefined();
  });
});

describe('probeDuration', () => {
  it('reads MP4 and WAV headers without ffprobe (the published durations of the samples)', async () => {
    expect(await probeDuration(join(samples, 'bbb-3sec.mp4'))).toBeCloseTo(3.008, 3);
    expect(await probeDuration(join(samples, 'test-tone.wav'))).toBeCloseTo(1, 3);
  });
  it.skipIf(!HAS_SHARED_DATA)('matches the ffprobe oracle of the shared Big Buck Bunny clip', async () => {
    const { readFile } = await import('node:fs/promises');
    const oracle = JSON.parse(
      await readFile(join(SHARED_DATA, 'media_bbb_clips', 'ffprobe-big_buck_bunny_720p_1mb.json'), 'utf8'),
    ) as { format: { duration: string } };
    expect(await probeDuration(join(SHARED_DATA, 'media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4'))).toBeCloseTo(
      Number(oracle.format.duration),
      2,
    );
  });
});
