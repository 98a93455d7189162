import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Library, openLibrary } from '../../src/library/index.js';
import { useEmulatorWithClient } from '../build/emulator-fixture.js';
import { SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

const POPEYE = join(SHARED_DATA, 'media_popeye_public_domain');
const HAS_POPEYE = existsSync(POPEYE);
if (!HAS_POPEYE) sharedDataNote('popeye subtitles');

/** The README's mapping of the mkv files to the subtitle files. */
const MAPPING: Record<string, string> = {
  'Title T00-1.mkv': 'popeye p3',
  'Title T01-2.mkv': 'popeye p2',
  'Title T02-3.mkv': 'popeye p4',
  'Title T03-4.mkv': 'popeye p1',
};

describe.skipIf(!HAS_POPEYE)('popeye subtitles beside their videos', () => {
  const suiteDir = useSuiteTempDir();
  const suiteEmulator = useEmulatorWithClient();
  let dir: string;
  let lib: Library;
  let built: Awaited<ReturnType<Library['build']>>;

  beforeAll(async () => {
    dir = suiteDir();
    const media = join(dir, 'media');
    await mkdir(media);
    for (const [mkv, name] of Object.entries(MAPPING)) {
      await copyFile(join(POPEYE, 'vob', mkv), join(media, `${name}.mkv`));
      await copyFile(join(POPEYE, 'srt', `${name}.eng.srt`), join(media, `${name}.eng.srt`));
    }
    lib = await openLibrary(join(dir, 'lib'), { create: true, client: suiteEmulator().client });
    built = await lib.build([media]);
  }, 240_000);

  afterAll(async () => {
    await lib?.close();
  });

  it('stores every cue of the four subtitle files as annotations of its video', async () => {
    expect(built.failures).toEqual([]);
    expect(built.videos).toBe(4);
    const cues = await lib.annotations('popeye p1.mkv');
    expect(cues.length).toBeGreaterThan(5);
    expect(cues[2]).toMatchObject({
      start: 16.6,
      end: 20,
      text: 'I live on an island On the back of a whale',
      source: 'subtitle',
      definition: 'subtitle',
    });
    expect(built.annotations).toBe((await lib.annotations()).length);
  });

  it('finds the line of dialogue first in text mode, at its moment', async () => {
    const res = await lib.query({ text: 'I live on an island on the back of a whale', mode: 'text' });
    expect(res.mode).toBe('text');
    expect(res.data[0]).toMatchObject({ video_id: 'popeye p1.mkv', start: 16.6, end: 20 });
    expect(res.data[0]?.annotations?.map((a) => a.text)).toContain('I live on an island On the back of a whale');
  });

  it('has it in the top 3 in hybrid mode, the default for a text query over an annotated library', async () => {
    const res = await lib.query({ text: 'I live on an island on the back of a whale' });
    expect(res.mode).toBe('hybrid');
    const top = res.data.slice(0, 3);
    expect(top.some((hit) => hit.video_id === 'popeye p1.mkv' && hit.start < 20 && hit.end > 16.6)).toBe(true);
  });

  it('adds no annotation twice when the same folder is built again', async () => {
    const before = (await lib.annotations()).length;
    const again = await lib.build([join(dir, 'media')]);
    expect(again.annotations).toBe(0);
    expect((await lib.annotations()).length).toBe(before);
  });
});
