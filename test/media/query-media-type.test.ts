import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mismatchAsQuery } from '../../src/media/media-type.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const MEDIA = join(PROJECT_ROOT, 'data', 'media-samples');

describe('mismatchAsQuery: a query file checked by its first bytes', () => {
  it.each([
    [join(MEDIA, 'bbb-3sec.mp4'), 'video', undefined],
    [join(MEDIA, 'test-card-16x9.avi'), 'video', undefined],
    [join(MEDIA, 'test-tone.wav'), 'audio', undefined],
    // An MP4 may hold sound alone: its first bytes cannot tell, so it passes as audio.
    [join(MEDIA, 'bbb-3sec.mp4'), 'audio', undefined],
    [join(MEDIA, 'test-tone.wav'), 'image', 'its content is audio (wav), not an image: give it as an audio query'],
    [join(MEDIA, 'test-card-16x9.avi'), 'audio', 'its content is video (avi), not an audio: give it as a video query'],
    [
      join(MEDIA, 'scenario.json'),
      'image',
      'its first bytes match no image format vsearch knows (jpg png); it looks like text',
    ],
  ] as const)('%s as %s', async (path, modality, problem) => {
    expect(await mismatchAsQuery(path, modality)).toBe(problem);
  });

  it('calls an empty file empty, and throws the read error of a missing one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'empty.png'), '');
    expect(await mismatchAsQuery(join(dir, 'empty.png'), 'image')).toBe('the file is empty');
    await expect(mismatchAsQuery(join(dir, 'missing.png'), 'image')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
