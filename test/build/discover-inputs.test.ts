import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverInputs } from '../../src/build/discover-inputs.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('discoverInputs', () => {
  it('expands folders recursively, keeps URLs, reads manifests and reports what it cannot read', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'videos', 'sub'), { recursive: true });
    await writeFile(join(dir, 'videos', 'a.mp4'), 'x');
    await writeFile(join(dir, 'videos', 'sub', 'b.wav'), 'x');
    await writeFile(join(dir, 'videos', 'README.txt'), 'x');
    await writeFile(join(dir, 'videos', 'notes.doc'), 'x');
    await writeFile(
      join(dir, 'manifest.jsonl'),
      `${JSON.stringify({ source: 'videos/a.mp4', video_id: 'clip-a', metadata: { tag: 'x' } })}\n\n${JSON.stringify({ source: 'https://example.com/v/c%20d.mp4' })}\n`,
    );
    const found = await discoverInputs(
      [join(dir, 'videos'), 'https://example.com/path/e.mov?sig=1', join(dir, 'manifest.jsonl'), join(dir, 'nope.mp4')],
      { batch: 1 },
    );
    expect(found.items.map((item) => [item.videoId, item.isUrl])).toEqual([
      ['a.mp4', false],
      ['b.wav', false],
      ['e.mov', true],
      ['clip-a', false],
      ['c d.mp4', true],
    ]);
    expect(found.items[3]).toMatchObject({ source: join(dir, 'videos', 'a.mp4'), metadata: { batch: 1, tag: 'x' } });
    expect(found.skipped).toEqual([]);
    expect(found.failed).toEqual([{ source: join(dir, 'nope.mp4'), reason: 'cannot read it (ENOENT)' }]);
  });

  it('gives a file the same id whichever folder was named, and reports a second file of one id', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'media', 'clips', 'old'), { recursive: true });
    await writeFile(join(dir, 'media', 'clips', 'a.mp4'), 'x');
    await writeFile(join(dir, 'media', 'clips', 'old', 'a.mp4'), 'y');
    await writeFile(join(dir, 'media', 'b.mp4'), 'x');
    const ids = async (input: string): Promise<string[]> =>
      (await discoverInputs([input])).items.map((item) => item.videoId);
    expect(await ids(join(dir, 'media', 'clips'))).toEqual(['a.mp4']);
    expect(await ids(join(dir, 'media'))).toEqual(['b.mp4', 'a.mp4']);
    const found = await discoverInputs([join(dir, 'media'), join(dir, 'media', 'b.mp4')]);
    expect(found.items.map((item) => item.source)).toEqual([
      join(dir, 'media', 'b.mp4'),
      join(dir, 'media', 'clips', 'a.mp4'),
    ]);
    expect(found.skipped).toEqual([
      {
        source: join(dir, 'media', 'clips', 'old', 'a.mp4'),
        reason: expect.stringMatching(/clips\/a\.mp4 has the same video id "a\.mp4".*video_id in a \.jsonl manifest/),
      },
    ]);
  });

  it('fails on a bad manifest line with its file and line', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'm.jsonl'), `${JSON.stringify({ source: 'a.mp4' })}\n{"video_id": "x"}\n`);
    await expect(discoverInputs([join(dir, 'm.jsonl')])).rejects.toThrow(
      /m\.jsonl:2: the manifest line has neither "source"/,
    );
  });
});
