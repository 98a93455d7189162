import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { exactClips } from '../helpers/exact-search.js';
import type { JsonlSegment } from '../helpers/segments.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useTempLibraries } from '../helpers/temp-library.js';
import { type EmulatorWithClient, MEDIA_SAMPLES, testScenario, useEmulatorsWithClients } from './emulator-fixture.js';

const tempDir = useTempDirs();
const tempLibrary = useTempLibraries();
const DIM = 512;

const emulatorWithClient = useEmulatorsWithClients();

describe('idempotent imports: a segment is (video, option, scope, start, end)', () => {
  it('the same --from file imported twice through the CLI keeps the segment count', async () => {
    const dir = await tempDir();
    const file = await writeJsonl(dir, 'segs.jsonl', [
      ...clipSegments('a', 3, DIM, 1),
      ...clipSegments('b', 2, DIM, 2),
    ]);
    const lib = join(dir, 'lib');
    const first = runCli(['build', '--lib', lib, '--model', 'marengo3.0', '--from', file, '--json']);
    expect(first.status, first.stderr).toBe(0);
    const again = runCli(['build', '--lib', lib, '--model', 'marengo3.0', '--from', file, '--json']);
    expect(again.status, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout) as {
      imported: { files: number; skippedFiles: string[] };
      library: { segments: number; videos: number };
    };
    expect(out.imported.files).toBe(0);
    expect(out.imported.skippedFiles).toEqual([file]);
    expect([out.library.segments, out.library.videos]).toEqual([5, 2]);
  });

  it('a second file with segments already stored replaces them, never adds them again', async () => {
    const { lib, work: dir } = await tempLibrary({
      segments: [...clipSegments('a', 3, DIM, 1), ...clipSegments('b', 2, DIM, 2)],
      file: 'one.jsonl',
      importOptions: { model: 'marengo3.0' },
    });
    // Other bytes (so not skipped as a file imported before): a's clip 2 with a new vector, an audio
    // row of a (another identity), and b's clip 1 twice in one file (the last one wins).
    const newer = testVector(DIM, 777);
    const rows: JsonlSegment[] = [
      { video_id: 'a', start_sec: 6, end_sec: 12, embedding: newer },
      { video_id: 'a', start_sec: 0, end_sec: 6, embedding: testVector(DIM, 3), embedding_option: 'audio' },
      { video_id: 'b', start_sec: 0, end_sec: 6, embedding: testVector(DIM, 5) },
      ...clipSegments('b', 1, DIM, 2),
    ];
    const summary = await lib.importSegments(await writeJsonl(dir, 'two.jsonl', rows), { model: 'marengo3.0' });
    expect(summary.files).toBe(1);
    const stats = await lib.stats();
    expect([stats.segments, stats.videos]).toEqual([6, 2]);
    const a = await lib.getVideo('a', { vectors: true });
    expect(a.segments.map((s) => [s.embedding_option, s.start, s.end]).sort()).toEqual([
      ['audio', 0, 6],
      ['visual', 0, 6],
      ['visual', 12, 18],
      ['visual', 6, 12],
    ]);
    const replaced = a.segments.find((s) => s.embedding_option === 'visual' && s.start === 6);
    const norm = Math.hypot(...newer);
    expect(replaced?.vector?.map((x) => Math.round(x * 1e5))).toEqual(newer.map((x) => Math.round((x / norm) * 1e5)));
    expect((await lib.getVideo('b')).segments).toHaveLength(2);
    // The index agrees with the store: the best hit for the new vector is the replaced segment, as an exact scan says.
    const hits = await lib.search({ vector: newer, pageLimit: 1 });
    const [a0, , a2] = clipSegments('a', 3, DIM, 1);
    const stored = [a0, rows[0], a2, rows[1], ...clipSegments('b', 2, DIM, 2)].filter(
      (row): row is JsonlSegment => row !== undefined,
    );
    const exact = exactClips(stored, [newer]);
    expect([hits.data[0]?.video_id, hits.data[0]?.start, hits.data[0]?.score]).toEqual([
      exact[0]?.video,
      exact[0]?.start,
      expect.closeTo(exact[0]?.score ?? 0, 5),
    ]);
    expect([hits.data[0]?.video_id, hits.data[0]?.start]).toEqual(['a', 6]);
    await lib.close();
    const reopened = await openLibrary(join(dir, 'lib'));
    expect((await reopened.stats()).segments).toBe(6);
    await reopened.close();
  });
});

describe('stable video ids and content stored once', () => {
  const setUp = (): Promise<EmulatorWithClient> => emulatorWithClient({ scenario: testScenario() });

  it('one folder built through its parent adds no video and makes no embed call', async () => {
    const { client, emu } = await setUp();
    const dir = await tempDir();
    await mkdir(join(dir, 'media', 'clips'), { recursive: true });
    for (const name of ['bbb-3sec.mp4', 'test-card-16x9.avi', 'test-tone.wav'])
      await copyFile(join(MEDIA_SAMPLES, name), join(dir, 'media', 'clips', name));
    const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
    const first = await lib.build([join(dir, 'media', 'clips')]);
    expect(first.failures).toEqual([]);
    const before = await lib.listVideos();
    const calls = emu.stats().sync_embeds + emu.stats().tasks_created;
    const parent = await lib.build([join(dir, 'media')]);
    expect(parent.videos).toBe(0);
    expect(parent.duplicates).toEqual([]);
    expect(parent.deduplicated).toBe(3);
    expect((await lib.listVideos()).map((video) => video.video_id)).toEqual(before.map((video) => video.video_id));
    expect(before.map((video) => video.video_id)).toEqual(['bbb-3sec.mp4', 'test-card-16x9.avi', 'test-tone.wav']);
    expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBe(calls);
  });

  it('the same content at two paths is stored once and reported once (the CLI says so)', async () => {
    const { emu } = await setUp();
    const dir = await tempDir();
    await mkdir(join(dir, 'a'), { recursive: true });
    await mkdir(join(dir, 'b'), { recursive: true });
    await copyFile(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), join(dir, 'a', 'bunny.mp4'));
    await copyFile(join(MEDIA_SAMPLES, 'bbb-3sec.mp4'), join(dir, 'b', 'bunny-copy.mp4'));
    await writeFile(join(dir, 'b', 'notes.txt'), 'not media');
    const env = { TWELVELABS_API_KEY: 'tlk_build-pipeline-test', TWELVELABS_BASE_URL: emu.baseUrl };
    const lib = join(dir, 'lib');
    const result = await runCliAsync(['build', '--lib', lib, join(dir, 'a'), join(dir, 'b'), '--json'], env);
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as {
      built: { duplicates: unknown[]; videos: number };
      library: { videos: number };
    };
    expect(out.built.duplicates).toEqual([{ source: join(dir, 'b', 'bunny-copy.mp4'), video_id: 'bunny.mp4' }]);
    expect([out.built.videos, out.library.videos]).toEqual([1, 1]);
    const human = await runCliAsync(['build', '--lib', lib, join(dir, 'b')], env);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stderr.match(/same content as bunny\.mp4, not stored twice/g)).toHaveLength(1);
    const kept = await runCliAsync(['build', '--lib', lib, join(dir, 'b'), '--keep-duplicates', '--json'], env);
    expect(kept.status, kept.stderr).toBe(0);
    expect((JSON.parse(kept.stdout) as { library: { videos: number } }).library.videos).toBe(2);
    expect(emu.stats().sync_embeds + emu.stats().tasks_created).toBe(1);
    expect(await readFile(join(dir, 'b', 'notes.txt'), 'utf8')).toBe('not media');
  });
});
