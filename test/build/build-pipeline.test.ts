import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { HAS_SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import {
  type EmulatorWithClient,
  MEDIA_SAMPLES,
  shared,
  testScenario,
  useEmulatorsWithClients,
} from './emulator-fixture.js';

const tempDir = useTempDirs();
const emulatorWithClient = useEmulatorsWithClients();
sharedDataNote('the build pipeline tests on shared media');

function setUp(scenario = testScenario()): Promise<EmulatorWithClient> {
  return emulatorWithClient({ scenario });
}

const hitKey = (hit: { video_id: string; start: number; end: number }): string =>
  `${hit.video_id}@${hit.start}-${hit.end}`;

describe('the build pipeline against the emulator', () => {
  it('embeds data/ media and answers a text query for a described scene with its timestamps', async () => {
    const { client, emu } = await setUp();
    const lib = await openLibrary(join(await tempDir(), 'lib'), { create: true, client });
    const summary = await lib.build([MEDIA_SAMPLES], { clipLengthSec: 2 });
    expect(summary.failures).toEqual([]);
    expect(summary.skipped).toEqual([]);
    expect(summary.videos).toBe(3);
    expect(summary.sync_embeds + summary.tasks_created).toBe(3);
    expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBe(3);
    const response = await lib.search({ text: 'a butterfly over the flowers', pageLimit: 1 });
    expect(response.data[0]).toMatchObject({ video_id: 'bbb-3sec.mp4', start: 2, end: 3.008 });
    const rabbit = await lib.search({ text: 'a white rabbit in a meadow', pageLimit: 1 });
    expect(rabbit.data[0]).toMatchObject({ video_id: 'bbb-3sec.mp4', start: 0, end: 2 });
  });

  it('refuses a clip length the API does not take, naming the option, before it embeds anything', async () => {
    const { client, emu } = await setUp();
    const lib = await openLibrary(join(await tempDir(), 'lib'), { create: true, client });
    await expect(lib.build([MEDIA_SAMPLES], { clipLengthSec: 11 })).rejects.toThrow(
      /`clipLengthSec` must be from 2 to 10 seconds, got 11/,
    );
    expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBe(0);
  });

  it.skipIf(!HAS_SHARED_DATA)(
    "answers text, image and audio queries over shared media with the scenario's segments",
    async () => {
      const scenario = testScenario({
        [shared('media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4')]: {
          duration_sec: 5.312,
          segments: [
            { start: 0, end: 3, text: 'an orange sunrise over a quiet forest' },
            { start: 3, end: 5.312, text: 'a grey squirrel climbs a tall tree' },
          ],
        },
        [shared('media_bbb_clips', 'bramp_test.mp3')]: {
          duration_sec: 12.4,
          segments: [
            { start: 0, end: 6, text: 'a slow piano melody' },
            { start: 6, end: 12.4, text: 'a drummer plays a fast rock beat' },
          ],
        },
        [shared('media_twelvelabs_sdk_assets', 'search_sample.png')]: {
          duration_sec: 1,
          segments: [{ start: 0, end: 1, text: 'a grey squirrel climbs a tall tree' }],
        },
        [shared('media_fluent_ffmpeg', 'testaudio-two.wav')]: {
          duration_sec: 1,
          segments: [{ start: 0, end: 1, text: 'a drummer plays a fast rock beat' }],
        },
      });
      const { client } = await setUp(scenario);
      const lib = await openLibrary(join(await tempDir(), 'lib'), { create: true, client });
      const summary = await lib.build(
        [
          shared('media_bbb_clips', 'big_buck_bunny_720p_1mb.mp4'),
          shared('media_bbb_clips', 'bramp_test.mp3'),
          MEDIA_SAMPLES,
        ],
        { clipLengthSec: 3 },
      );
      expect(summary.failures).toEqual([]);
      expect(summary.videos).toBe(5);

      const text = await lib.search({ text: 'a squirrel climbs a tree', pageLimit: 1 });
      expect(hitKey(text.data[0] as never)).toBe('big_buck_bunny_720p_1mb.mp4@3-5.312');
      const image = await lib.search({
        image: shared('media_twelvelabs_sdk_assets', 'search_sample.png'),
        pageLimit: 1,
      });
      expect(hitKey(image.data[0] as never)).toBe('big_buck_bunny_720p_1mb.mp4@3-5.312');
      const audio = await lib.search({
        audio: shared('media_fluent_ffmpeg', 'testaudio-two.wav'),
        searchOptions: ['audio'],
        pageLimit: 2,
      });
      for (const hit of audio.data) {
        expect(hit.video_id).toBe('bramp_test.mp3');
        expect(hit.start).toBeGreaterThanOrEqual(6);
        expect(hit.end).toBeLessThanOrEqual(12.4);
      }
    },
  );

  it('never pays twice: the same file under two names is stored once and listed, a rebuild makes no new embed calls', async () => {
    const { client, emu } = await setUp();
    const dir = await tempDir();
    await copyFile(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), join(dir, 'first.mp4'));
    await copyFile(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), join(dir, 'second-name.mp4'));
    const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
    const first = await lib.build([join(dir, 'first.mp4'), join(dir, 'second-name.mp4')]);
    expect(first.deduplicated).toBe(1);
    expect(first.duplicates).toEqual([{ source: join(dir, 'second-name.mp4'), video_id: 'first.mp4' }]);
    expect((await lib.stats()).videos).toBe(1);
    const calls = emu.stats();
    expect(calls.sync_embeds + calls.tasks_created).toBe(1);
    const again = await lib.build([join(dir, 'first.mp4'), join(dir, 'second-name.mp4')], { keepDuplicates: true });
    expect(again.deduplicated).toBe(2);
    expect(again.duplicates).toEqual([]);
    expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBe(1);
    const stats = await lib.stats();
    expect(stats.videos).toBe(2);
    // The emulator's vectors here are unrelated to the text: min-score -1 lists videos whose every cosine is negative.
    const hits = await lib.search({ text: 'a butterfly over the flowers', groupBy: 'video', minScore: -1 });
    expect(hits.data.map((hit) => hit.video_id).sort()).toEqual(['first.mp4', 'second-name.mp4']);
  });

  it('reports a task that fails, with its file and reason, and completes the rest', async () => {
    // Every sample's length is read from its bytes, so they go sync; a video whose length no
    // parser can tell goes to a task, which the scenario fails.
    const folder = await tempDir();
    for (const name of ['bbb-3sec.mp4', 'test-card-16x9.avi'])
      await copyFile(join(MEDIA_SAMPLES, name), join(folder, name));
    const unknown = join(folder, 'unknown-length.mp4');
    await writeFile(
      unknown,
      Buffer.concat([Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomavc1', 'latin1'), Buffer.alloc(4096, 7)]),
    );
    const { client } = await setUp(testScenario({ [unknown]: { duration_sec: 8, segments: [], fail: true } }));
    const lib = await openLibrary(join(await tempDir(), 'lib'), { create: true, client });
    const summary = await lib.build([folder], { clipLengthSec: 2 });
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]?.source).toBe(unknown);
    expect(summary.failures[0]?.reason).toMatch(/failed/);
    expect(summary.videos).toBe(2);
    expect((await lib.stats()).videos).toBe(2);
  });

  it('reports unsupported and unreadable inputs and goes on with the rest', async () => {
    const { client } = await setUp();
    const dir = await tempDir();
    await writeFile(join(dir, 'fake.mp4'), 'this is not a video');
    await writeFile(join(dir, 'notes.doc'), 'x');
    const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
    const summary = await lib.build([
      join(dir, 'fake.mp4'),
      join(dir, 'notes.doc'),
      join(dir, 'missing.mp4'),
      join(MEDIA_SAMPLES, 'test-tone.wav'),
    ]);
    expect(summary.videos).toBe(1);
    expect(summary.failures.map((s) => s.reason)).toEqual([expect.stringMatching(/cannot read it \(ENOENT\)/)]);
    expect(summary.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/content is not a mp4 file/),
      expect.stringMatching(/unsupported file type \.doc/),
    ]);
  });
});
