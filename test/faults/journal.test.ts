import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentKey } from '../../src/build/content-key.js';
import { uploadNameOf } from '../../src/build/task-purchase.js';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import { type JournalEntry, TaskJournal } from '../../src/store/index.js';
import { API_KEY, MEDIA_SAMPLES, sha256Of } from '../build/emulator-fixture.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { clientOf, useEmulator, useEmulators } from '../helpers/emulator.js';
import { segmentSet } from '../helpers/segment-set.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';

/**
 * Faults of the build journal (issue 10, part 6), through the real CLI. Each row plants a journal
 * entry for one video (an AVI: no duration known without ffprobe, so it goes through an async
 * task) in a library that already holds a sync-embedded WAV, then builds the AVI. Every row must
 * end with exactly the segments of an uninterrupted build (nothing lost, nothing duplicated,
 * nothing from another content), an empty journal, and the API's counters showing what was paid.
 * Kills at the three moments of a purchase (sent/answered/journaled) are rows of
 * test/build/crash-resume.test.ts, which runs alone.
 */
let work: string;
let video: string;
let tone: string;
let reference: string[];

interface Planted {
  emu: RunningEmulator;
  client: TwelveLabsClient;
  key: string;
  journal: TaskJournal;
  /** An entry for the planted video, with its path as the build computes it. */
  entry: (fields: Partial<JournalEntry>) => JournalEntry;
}

interface Row {
  fault: string;
  /** Writes the damage; may use the API (the test's own calls are counted in `paid`). */
  plant: (planted: Planted) => Promise<void>;
  /** Exit code of the build and a fragment of its stderr. */
  exit: number;
  message: RegExp;
  /** A warning that names the journal file (every dropped entry). */
  warns: boolean;
  /** Assets and tasks created at the API, counting the row's own, after the build (and the rerun, if any). */
  paid: { assets: number; tasks: number };
  /** A failed build keeps no segments of the video; a rerun must then store it, paying once more. */
  rerun?: { paid: { assets: number; tasks: number } };
}

const buildVideo = (emu: RunningEmulator, lib: string): ReturnType<typeof runCliAsync> =>
  runCliAsync(['build', video, '--lib', lib, '--clip-length', '2'], {
    TWELVELABS_API_KEY: API_KEY,
    TWELVELABS_BASE_URL: emu.baseUrl,
  });

const ROWS: Row[] = [
  {
    fault: 'journal entry names a task the API does not know (404)',
    plant: async (p) => p.journal.record(p.entry({ taskId: '0123456789abcdef01234567' })),
    exit: 0,
    message: /names task 0123456789abcdef01234567, which the API does not know \(404\); dropped it/,
    warns: true,
    paid: { assets: 1, tasks: 1 },
  },
  {
    fault: 'journal entry is damaged JSON (cut short)',
    plant: async (p) => {
      await mkdir(p.journal.dir, { recursive: true });
      await writeFile(p.journal.pathOf(p.key), '{"contentKey": "abc", "taskId": "69');
    },
    exit: 0,
    message: /is damaged \(it is not valid JSON \(cut short or overwritten\)\); dropped it/,
    warns: true,
    paid: { assets: 1, tasks: 1 },
  },
  {
    fault: 'journal entry is valid JSON of the wrong shape (no task, no asset)',
    plant: async (p) => {
      await mkdir(p.journal.dir, { recursive: true });
      await writeFile(p.journal.pathOf(p.key), JSON.stringify({ ...p.entry({}), uploadName: undefined }));
    },
    exit: 0,
    message: /is damaged \(it names neither a task nor an asset\)/,
    warns: true,
    paid: { assets: 1, tasks: 1 },
  },
  {
    fault: 'journal entry is stored under the name of other content',
    plant: async (p) => {
      await mkdir(p.journal.dir, { recursive: true });
      await writeFile(
        p.journal.pathOf(p.key),
        JSON.stringify(p.entry({ contentKey: 'other|marengo3.0|video|clip=2', taskId: 'x' })),
      );
    },
    exit: 0,
    message: /is damaged \(it names other content than the file it is stored under\)/,
    warns: true,
    paid: { assets: 1, tasks: 1 },
  },
  {
    fault: 'journal entry is of another model',
    plant: async (p) => {
      const task = await p.client.createEmbedTask({
        model: 'marengo3.5',
        video: { url: 'https://example.com/other.mp4' },
      });
      await p.journal.record(p.entry({ model: 'marengo3.5', taskId: task.id }));
    },
    exit: 0,
    message: /is for marengo3\.5 \(v2\), not marengo3\.0; dropped it/,
    warns: true,
    paid: { assets: 1, tasks: 2 },
  },
  {
    fault: 'journal entry names a task that failed',
    plant: async (p) => {
      p.emu.setFaults({ task_failure_rate: 1 });
      const task = await p.client.createEmbedTask({
        model: 'marengo3.0',
        video: { url: 'https://example.com/failing.mp4' },
      });
      p.emu.setFaults({});
      await p.journal.record(p.entry({ taskId: task.id }));
    },
    exit: 1,
    warns: false,
    message: /FAILED .*card\.mp4: task [0-9a-f]+ failed: We could not process your media/,
    paid: { assets: 0, tasks: 1 },
    rerun: { paid: { assets: 1, tasks: 2 } },
  },
  {
    fault: 'journal entry names an asset the API does not know (404)',
    plant: async (p) => p.journal.record(p.entry({ assetId: '0123456789abcdef0123ffff' })),
    exit: 0,
    message: /names asset 0123456789abcdef0123ffff, which the API does not know \(404\)/,
    warns: true,
    paid: { assets: 1, tasks: 1 },
  },
  {
    fault: 'killed after the asset upload was answered, before its id was journaled (found by its name)',
    plant: async (p) => {
      const entry = p.entry({});
      await p.client.createAsset({ file: video }, { filename: entry.uploadName });
      await p.journal.record(entry);
    },
    exit: 0,
    message: /^(?![\s\S]*warning)/,
    warns: false,
    paid: { assets: 1, tasks: 1 },
  },
];

describe('fault table: the build journal', () => {
  const suiteDir = useSuiteTempDir();
  const referenceEmulator = useEmulator({ apiKey: API_KEY, taskDelayMs: 100, seed: 5 });
  const emulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 100, seed: 5 });
  const tempDir = useTempDirs();
  beforeAll(async () => {
    work = suiteDir();
    video = join(work, 'card.mp4');
    tone = join(work, 'tone.wav');
    // A video whose length its bytes do not tell, so it goes through an async task (a sample of known length would go sync).
    await writeFile(
      video,
      Buffer.concat([Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomavc1', 'latin1'), Buffer.alloc(4096, 7)]),
    );
    await writeFile(tone, await readFile(join(MEDIA_SAMPLES, 'test-tone.wav')));
    const emu = referenceEmulator();
    const lib = join(work, 'reference');
    for (const input of [tone, video]) {
      const built = await runCliAsync(['build', input, '--lib', lib, '--clip-length', '2'], {
        TWELVELABS_API_KEY: API_KEY,
        TWELVELABS_BASE_URL: emu.baseUrl,
      });
      expect(built.status, built.stderr).toBe(0);
    }
    expect(emu.stats()).toMatchObject({ tasks_created: 1, assets_created: 1 });
    reference = await segmentSet(lib);
  }, 120_000);

  it.each(ROWS)(
    '$fault',
    async (row) => {
      const emu = await emulator();
      const client = clientOf(emu, API_KEY);
      try {
        const lib = await tempDir();
        const first = await runCliAsync(['build', tone, '--lib', lib, '--clip-length', '2'], {
          TWELVELABS_API_KEY: API_KEY,
          TWELVELABS_BASE_URL: emu.baseUrl,
        });
        expect(first.status, first.stderr).toBe(0);
        const sha256 = sha256Of(video);
        const key = contentKey({ sha256, model: 'marengo3.0', modality: 'video', clipLengthSec: 2 });
        const journal = new TaskJournal(lib);
        const entry = (fields: Partial<JournalEntry>): JournalEntry => ({
          contentKey: key,
          apiVersion: 'v2',
          model: 'marengo3.0',
          source: video,
          videoId: 'card',
          createdAt: new Date().toISOString(),
          uploadName: uploadNameOf({ key, sha256, source: video }),
          ...fields,
        });
        await row.plant({ emu, client, key, journal, entry });
        const planted = await readdir(journal.dir);
        expect(planted.length, 'the row planted one entry').toBe(1);

        const built = await buildVideo(emu, lib);
        expect(built.status, built.stderr).toBe(row.exit);
        expect(built.stderr).toMatch(row.message);
        if (row.warns)
          expect(built.stderr, 'the warning names the journal file').toContain(join(journal.dir, planted[0] ?? '-'));
        expect({ assets: emu.stats().assets_created, tasks: emu.stats().tasks_created }).toEqual(row.paid);
        expect(await readdir(journal.dir), 'the entry is dropped').toEqual([]);
        if (row.rerun !== undefined) {
          const again = await buildVideo(emu, lib);
          expect(again.status, again.stderr).toBe(0);
          expect({ assets: emu.stats().assets_created, tasks: emu.stats().tasks_created }).toEqual(row.rerun.paid);
        }
        expect(await segmentSet(lib)).toEqual(reference);
        const library = await openLibrary(lib);
        expect((await library.stats()).index.count).toBe(reference.length);
        await library.close();
      } finally {
        await client.close();
      }
    },
    120_000,
  );

  it('rerun after a clean finish: no API call, nothing stored twice', async () => {
    const emu = await emulator();
    const lib = join(await tempDir(), 'lib');
    const env = { TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl };
    const once = await runCliAsync(['build', tone, video, '--lib', lib, '--clip-length', '2'], env);
    expect(once.status, once.stderr).toBe(0);
    const firstRequests = emu.stats().requests;
    emu.reset();
    const twice = await runCliAsync(['build', tone, video, '--lib', lib, '--clip-length', '2'], env);
    expect(twice.status, twice.stderr).toBe(0);
    expect(twice.stderr).toMatch(/2 already in the library/);
    expect(emu.stats().requests, `first run made ${JSON.stringify(firstRequests)}`).toEqual({});
    expect(await segmentSet(lib)).toEqual(reference);
  }, 120_000);
});
