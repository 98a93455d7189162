import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TwelveLabsClient } from '../../src/embed/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { openLibrary } from '../../src/library/index.js';
import { UploadTaskQueue } from '../../src/tasks/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import type { CliResult } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulators } from '../helpers/emulator.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/**
 * The fault table of media, ids and upload tasks (issue 13 parts 3, 7, 8; issue 10): damage to
 * what a build or a task reads, and imports that repeat stored segments. Each row runs the real
 * CLI (async: the emulator serves from this process) or the library API where the case is an API
 * case, checks its exit code or error, that no stored segment was lost, and that the answers to
 * a query equal an exact scan of the segments the library must hold.
 */
const tempDir = useTempDirs();
const emulator = useEmulators({ apiKey: API_KEY, taskDelayMs: 50, seed: 9 });
const DIM = 512;
const QUERY = testVector(DIM, 9191);
const CORPUS: JsonlSegment[] = [...clipSegments('v1', 4, DIM, 1), ...clipSegments('v2', 3, DIM, 2)];

interface Fixture {
  work: string;
  lib: string;
  emu: RunningEmulator;
  env: NodeJS.ProcessEnv;
}

interface Outcome {
  /** The CLI's exit code, or for an API row whether the call threw. */
  status: number | 'threw' | 'returned';
  /** Matched against stderr (CLI) or the warnings and task errors (API). */
  said: string;
  /** The segments the library must hold afterwards (the clips a search may answer). */
  holds: JsonlSegment[];
  /** Segments stored in all, when more than the clips in `holds`. */
  stored?: number;
}

interface Row {
  fault: string;
  call: string;
  run: (fx: Fixture) => Promise<Outcome>;
  status: Outcome['status'];
  message: RegExp;
}

const cli = async (fx: Fixture, args: string[]): Promise<CliResult> => runCliAsync([...args, '--lib', fx.lib], fx.env);
/** A signal death has no exit code: -1, which no row expects, so the row fails. */
const fromCli = (result: CliResult, holds: JsonlSegment[]): Outcome => ({
  status: result.status ?? -1,
  said: result.stderr,
  holds,
});

async function withQueue<T>(fx: Fixture, work: (queue: UploadTaskQueue, warnings: string[]) => Promise<T>): Promise<T> {
  const client = new TwelveLabsClient({ apiKey: API_KEY, baseUrl: fx.emu.baseUrl, env: {} });
  const warnings: string[] = [];
  const lib = await openLibrary(fx.lib, { client, onWarning: (message) => warnings.push(message) });
  try {
    const queue = await UploadTaskQueue.open(lib, { onWarning: (message) => warnings.push(message) });
    const result = await work(queue, warnings);
    await queue.close();
    return result;
  } finally {
    await lib.close();
    await client.close();
  }
}

const ROWS: Row[] = [
  {
    fault: 'a --from file of other bytes repeating stored segments (one with a new vector)',
    call: 'vsearch build --from again.jsonl',
    status: 0,
    message: /imported 2 segments/,
    run: async (fx) => {
      const changed = { ...(CORPUS[1] as JsonlSegment), embedding: QUERY };
      const again = await writeJsonl(fx.work, 'again.jsonl', [changed, CORPUS[5] as JsonlSegment]);
      const holds = CORPUS.map((segment, i) => (i === 1 ? changed : segment));
      return fromCli(await cli(fx, ['build', '--from', again, '--model', 'marengo3.0']), holds);
    },
  },
  {
    fault: 'a .mp4 whose bytes are text',
    call: 'vsearch build notes.mp4',
    status: 0,
    message: /skipped .*notes\.mp4: the content is not a mp4 file/,
    run: async (fx) => {
      const notes = join(fx.work, 'notes.mp4');
      await writeFile(notes, 'these are notes, not a video');
      return fromCli(await cli(fx, ['build', notes]), CORPUS);
    },
  },
  {
    fault: 'a video with no readable header (truncated to its first box)',
    call: 'vsearch build cut.mp4',
    status: 0,
    message: /embedded 1 item/,
    run: async (fx) => {
      // Its length cannot be read, so it goes to an embed task; the emulator gives it its default length.
      const cut = join(fx.work, 'cut.mp4');
      await writeFile(cut, Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomavc1', 'latin1'));
      const result = await cli(fx, ['build', cut, '--clip-length', '10', '--json']);
      const built =
        result.status === 0
          ? (JSON.parse(result.stdout) as { built: { segments: number; tasks_created: number } }).built
          : undefined;
      expect(built?.tasks_created, result.stderr).toBe(1);
      const lib = await openLibrary(fx.lib);
      const video = await lib.getVideo('cut.mp4', { vectors: true });
      await lib.close();
      // Search answers clips: the whole-video segment is stored but not a hit.
      const added = video.segments
        .filter((segment) => segment.embedding_scope === 'clip')
        .map((segment) => ({
          video_id: 'cut.mp4',
          start_sec: segment.start,
          end_sec: segment.end,
          embedding: segment.vector ?? [],
          embedding_option: segment.embedding_option,
        }));
      return {
        status: result.status ?? -1,
        said: `embedded 1 item: ${String(built?.segments)}`,
        holds: [...CORPUS, ...added],
        stored: CORPUS.length + video.segments.length,
      };
    },
  },
  {
    fault: 'a damaged upload-task record beside a good one',
    call: 'UploadTaskQueue.open(lib)',
    status: 'returned',
    message: /cannot read the upload task .*broken\.json.*left as it is[\s\S]*not a video/,
    run: async (fx) => {
      await mkdir(join(fx.lib, 'tasks'), { recursive: true });
      await writeFile(join(fx.lib, 'tasks', 'broken.json'), '{"id": "half a rec');
      const notes = join(fx.work, 'clip.mp4');
      await writeFile(notes, 'not a video either');
      return withQueue(fx, async (queue, warnings) => {
        const task = await queue.create({ file: notes });
        await queue.idle();
        const done = queue.retrieve(task.id);
        expect(done.status).toBe('failed');
        return { status: 'returned', said: [...warnings, done.error?.message ?? ''].join('\n'), holds: CORPUS };
      });
    },
  },
  {
    fault: 'the uploaded file removed after its task was journaled as pending',
    call: 'UploadTaskQueue.open(lib) resuming it',
    status: 'returned',
    message: /cannot read it \(ENOENT\)/,
    run: async (fx) => {
      await mkdir(join(fx.lib, 'tasks'), { recursive: true });
      const now = new Date().toISOString();
      const task = {
        id: 't1',
        index_id: 'x',
        status: 'pending',
        source: join(fx.work, 'gone.mp4'),
        user_metadata: {},
        created_at: now,
        updated_at: now,
      };
      await writeFile(join(fx.lib, 'tasks', 't1.json'), JSON.stringify(task));
      return withQueue(fx, async (queue) => {
        await queue.idle();
        const done = queue.retrieve('t1');
        expect(done.status).toBe('failed');
        return { status: 'returned', said: done.error?.message ?? '', holds: CORPUS };
      });
    },
  },
];

describe('media, ids and upload tasks: the fault table', () => {
  it.each(ROWS)(
    '$fault ($call)',
    async (row) => {
      const work = await tempDir();
      const emu = await emulator();
      const fx: Fixture = {
        work,
        lib: join(work, 'lib'),
        emu,
        env: { TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl },
      };
      const seeded = await cli(fx, [
        'build',
        '--from',
        await writeJsonl(work, 'corpus.jsonl', CORPUS),
        '--model',
        'marengo3.0',
      ]);
      expect(seeded.status, seeded.stderr).toBe(0);
      const outcome = await row.run(fx);
      expect(outcome.status, outcome.said).toBe(row.status);
      expect(outcome.said).toMatch(row.message);
      const stats = await cli(fx, ['stats', '--json']);
      expect(stats.status, stats.stderr).toBe(0);
      expect((JSON.parse(stats.stdout) as { segments: number }).segments).toBe(outcome.stored ?? outcome.holds.length);
      await writeFile(join(work, 'query.json'), JSON.stringify(QUERY));
      const query = await cli(fx, ['query', '--vector', join(work, 'query.json'), '--limit', '50', '--json']);
      expect(query.status, query.stderr).toBe(0);
      const hits = (
        JSON.parse(query.stdout) as {
          data: Array<{ video_id: string; start: number; embedding_option: string; score: number }>;
        }
      ).data;
      const exact = exactClips(outcome.holds, [QUERY]);
      expect(hits.map(hitKey)).toEqual(exact.slice(0, 50).map((hit) => hit.key));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i]?.score ?? Number.NaN, 4));
    },
    120_000,
  );
});
