import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { acquireWriteLock, decodeSegmentFile, LOCK_FILE, MANIFEST_FILE, SEGMENTS_DIR } from '../../src/store/index.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { runCliAsync, startCli } from '../helpers/cli-async.js';
import { exactVideos } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { expectExactCliAnswers } from './exact-answers.js';

/**
 * The fault table for writers and the store (issue 10): each row damages a library or races
 * writers, runs the real CLI (or the library API where the case is an API case), and checks
 * the exit code and message, that no segment was lost, and that every answer given equals an
 * exact scan. A signal death has no exit status, so it fails the exit check of its row.
 */

const tempDir = useTempDirs();
const DIM = 16;
const MODEL = 'custom-16';
const QUERY = testVector(DIM, 4242);

interface Fixture {
  work: string;
  lib: string;
  corpus: JsonlSegment[];
  /** The JSONL file of each video, imported one per build. */
  files: string[];
  queryFile: string;
}

function videoSegments(index: number): JsonlSegment[] {
  return clipSegments(`v${index}`, 3, DIM, index + 1, { embedding_option: 'visual' });
}

/** A library of `videos` videos (3 clips each), one segment file per video, built through the CLI. */
async function fixture(videos = 3, build = true): Promise<Fixture> {
  const work = await tempDir();
  const lib = join(work, 'lib');
  const corpus: JsonlSegment[] = [];
  const files: string[] = [];
  for (let i = 0; i < videos; i++) {
    const segments = videoSegments(i);
    corpus.push(...segments);
    files.push(await writeJsonl(work, `v${i}.jsonl`, segments));
  }
  const queryFile = join(work, 'query.json');
  await writeFile(queryFile, JSON.stringify(QUERY));
  if (build) for (const file of files) expectExit(runCli(['build', '--lib', lib, '--from', file, '--model', MODEL]), 0);
  return { work, lib, corpus, files, queryFile };
}

function expectExit(result: CliResult, status: number, message?: RegExp): void {
  expect(result.status, `exit ${String(result.status)}: ${result.stderr}`).toBe(status);
  if (message !== undefined) expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
}

function expectExactAnswers(fx: Fixture, segments: readonly JsonlSegment[]): void {
  expectExactCliAnswers(fx, QUERY, segments);
}

async function segmentCount(fx: Fixture): Promise<number> {
  const result = runCli(['stats', '--lib', fx.lib, '--json']);
  expectExit(result, 0);
  return (JSON.parse(result.stdout) as { segments: number }).segments;
}

/** Every byte of every segment file, to show a refused command changed none. */
async function segmentBytes(fx: Fixture): Promise<Map<string, string>> {
  const dir = join(fx.lib, SEGMENTS_DIR);
  const names = existsSync(dir) ? (await readdir(dir)).sort() : [];
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, (await readFile(join(dir, name))).toString('base64')] as [string, string]),
    ),
  );
}

async function manifestOf(fx: Fixture): Promise<{ segmentFiles: Array<{ name: string }>; nextLabel: number }> {
  return JSON.parse(await readFile(join(fx.lib, MANIFEST_FILE), 'utf8')) as {
    segmentFiles: Array<{ name: string }>;
    nextLabel: number;
  };
}

/**
 * Flips the exponent byte of one float of the first stored vector of video `index` (its file
 * is the index-th: one file per video), found by its bytes, so the file keeps its size and
 * decodes: the bit flip the issue saw scored 5e25.
 */
async function flipVectorByte(fx: Fixture, index: number): Promise<void> {
  const path = join(fx.lib, SEGMENTS_DIR, (await manifestOf(fx)).segmentFiles[index]?.name as string);
  const bytes = await readFile(path);
  // The stored (normalized) vector as the file holds it, whatever rounding normalization used.
  const vector = decodeSegmentFile('probe', bytes).vector(0);
  const stored = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const at = bytes.indexOf(stored);
  expect(at).toBeGreaterThan(0);
  bytes[at + 3] = (bytes[at + 3] as number) ^ 0x30;
  await writeFile(path, bytes);
}

interface FaultRow {
  fault: string;
  command: string;
  exit: number;
  message?: RegExp;
  /** Damages or races, runs the command, and checks that nothing was lost or answered wrong. */
  run(): Promise<void>;
}

/** A damage row: the command is refused with the message, and no segment file changed. */
function refusedRow(
  fault: string,
  command: 'query' | 'build',
  message: RegExp,
  damage: (fx: Fixture) => Promise<void>,
): FaultRow {
  return {
    fault,
    command: command === 'query' ? 'vsearch query --vector FILE' : 'vsearch build --from FILE',
    exit: 1,
    message,
    async run() {
      const fx = await fixture();
      await damage(fx);
      const before = await segmentBytes(fx);
      const extra = await writeJsonl(fx.work, 'extra.jsonl', videoSegments(9));
      const args =
        command === 'query'
          ? ['query', '--lib', fx.lib, '--vector', fx.queryFile, '--json']
          : ['build', '--lib', fx.lib, '--from', extra, '--model', MODEL];
      const result = runCli(args);
      expectExit(result, 1, message);
      expect(result.stdout).toBe('');
      expect(await segmentBytes(fx)).toEqual(before);
    },
  };
}

const ROWS: FaultRow[] = [
  {
    fault: 'two writers through the library API (two libraries opened on one folder, each importing)',
    command: 'openLibrary x2 + importSegments',
    exit: 0,
    async run() {
      const fx = await fixture(2, false);
      const [a, b] = await Promise.all([openLibrary(fx.lib, { create: true }), openLibrary(fx.lib, { create: true })]);
      await Promise.all([
        a?.importSegments(fx.files[0] as string, { model: MODEL }),
        b?.importSegments(fx.files[1] as string, { model: MODEL }),
      ]);
      await Promise.all([a?.close(), b?.close()]);
      expect(await segmentCount(fx)).toBe(6);
      expectExactAnswers(fx, fx.corpus);
    },
  },
  {
    fault: 'eight writers: concurrent CLI builds of one new library',
    command: 'vsearch build --from FILE (x8 at once)',
    exit: 0,
    async run() {
      const fx = await fixture(8, false);
      const results = await Promise.all(
        fx.files.map((file) => runCliAsync(['build', '--lib', fx.lib, '--from', file, '--model', MODEL])),
      );
      for (const result of results) expectExit(result, 0);
      expect(await segmentCount(fx)).toBe(24);
      expect((await manifestOf(fx)).segmentFiles).toHaveLength(8);
      expectExactAnswers(fx, fx.corpus);
    },
  },
  refusedRow(
    'manifest.json deleted, segment files present',
    'build',
    /manifest\.json is missing, but .*segments holds 3 segment file\(s\); nothing was changed\. `vsearch doctor --repair`/,
    async (fx) => {
      await rm(join(fx.lib, MANIFEST_FILE));
    },
  ),
  refusedRow(
    'manifest.json is not JSON',
    'query',
    /manifest\.json is not valid JSON; the library is damaged \(`vsearch doctor --repair`/,
    async (fx) => {
      await writeFile(join(fx.lib, MANIFEST_FILE), '{"format": "vsearch-library", "segm');
    },
  ),
  refusedRow(
    'manifest.json is not JSON (build)',
    'build',
    /manifest\.json is not valid JSON; the library is damaged \(`vsearch doctor --repair` recovers a manifest/,
    async (fx) => {
      await writeFile(join(fx.lib, MANIFEST_FILE), '\u0000\u0000garbage');
    },
  ),
  refusedRow(
    'segments/ folder deleted',
    'query',
    /the folder .*segments is missing, with the 3 segment files it listed/,
    async (fx) => {
      await rm(join(fx.lib, SEGMENTS_DIR), { recursive: true });
    },
  ),
  refusedRow('one segment file deleted', 'query', /segment file .*seg-\S+\.arrow is missing/, async (fx) => {
    await rm(join(fx.lib, SEGMENTS_DIR, (await manifestOf(fx)).segmentFiles[1]?.name as string));
  }),
  refusedRow(
    'a flipped byte in a stored vector (same size)',
    'query',
    /segment file .*seg-\S+\.arrow does not match its sha256 in manifest\.json: it is damaged, so its segments are not searched/,
    async (fx) => {
      await flipVectorByte(fx, 0);
    },
  ),
  refusedRow('a flipped byte in a stored vector (build)', 'build', /does not match its sha256/, async (fx) => {
    await flipVectorByte(fx, 2);
  }),
  refusedRow(
    'nextLabel lowered in manifest.json',
    'query',
    /nextLabel is 4, but segment file seg-\S+ already uses labels up to 5/,
    async (fx) => {
      const manifest = (await manifestOf(fx)) as unknown as Record<string, unknown>;
      await writeFile(join(fx.lib, MANIFEST_FILE), JSON.stringify({ ...manifest, nextLabel: 4 }));
    },
  ),
  refusedRow(
    'a segment file cut short',
    'query',
    /segment file .*seg-\S+\.arrow is \d+ bytes, but manifest\.json recorded \d+ \(cut short or replaced\)/,
    async (fx) => {
      const path = join(fx.lib, SEGMENTS_DIR, (await manifestOf(fx)).segmentFiles[1]?.name as string);
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 64));
    },
  ),
  {
    fault: 'a stale lock left by a dead process',
    command: 'vsearch build --from FILE',
    exit: 0,
    message: /taking over a stale lock on .* \(its process \d+ is gone\)/,
    async run() {
      const fx = await fixture(2);
      await writeFile(
        join(fx.lib, LOCK_FILE),
        JSON.stringify({ pid: 2 ** 22 + 999, host: hostname(), since: '2020-01-01T00:00:00Z', token: 'dead' }),
      );
      const extra = await writeJsonl(fx.work, 'extra.jsonl', videoSegments(5));
      expectExit(runCli(['build', '--lib', fx.lib, '--from', extra, '--model', MODEL]), 0, this.message);
      expect(existsSync(join(fx.lib, LOCK_FILE))).toBe(false);
      expectExactAnswers(fx, [...fx.corpus, ...videoSegments(5)]);
    },
  },
  {
    fault: 'a live lock held by another writer',
    command: 'vsearch build --from FILE (waits, then runs)',
    exit: 0,
    message: /waiting for another writer of .* \(pid \d+, since .*\) to finish/,
    async run() {
      const fx = await fixture(2);
      const release = await acquireWriteLock(fx.lib);
      const extra = await writeJsonl(fx.work, 'extra.jsonl', videoSegments(5));
      const build = startCli(['build', '--lib', fx.lib, '--from', extra, '--model', MODEL]);
      const told = new Promise<void>((resolve) => {
        build.child.stderr.on('data', () => {
          if (this.message?.test(build.stderr()) === true) resolve();
        });
      });
      await Promise.race([told, build.exited]);
      // It said it waits, and it has written nothing while we hold the lock.
      expect(build.stderr()).toMatch(this.message as RegExp);
      expect((await manifestOf(fx)).segmentFiles).toHaveLength(2);
      await release();
      expect((await build.exited)[0], build.stderr()).toBe(0);
      expectExactAnswers(fx, [...fx.corpus, ...videoSegments(5)]);
    },
  },
  {
    fault: 'temp files left by a crash in the library root and segments/',
    command: 'vsearch build --from FILE',
    exit: 0,
    async run() {
      const fx = await fixture(2);
      const temps = [
        join(fx.lib, `.${MANIFEST_FILE}.a1b2c3d4e5f6.tmp`),
        join(fx.lib, SEGMENTS_DIR, '.seg-000007-deadbeef.arrow.a1b2c3d4e5f6.tmp'),
      ];
      for (const path of temps) await writeFile(path, 'cut short');
      const extra = await writeJsonl(fx.work, 'extra.jsonl', videoSegments(5));
      expectExit(runCli(['build', '--lib', fx.lib, '--from', extra, '--model', MODEL]), 0);
      for (const path of temps) expect(existsSync(path), path).toBe(false);
      expectExactAnswers(fx, [...fx.corpus, ...videoSegments(5)]);
    },
  },
  {
    fault: 'a failed first import (a bad row) into a new library',
    command: 'vsearch build --lib NEW --from BAD',
    exit: 2,
    message: /bad\.jsonl:2: start_sec/,
    async run() {
      const fx = await fixture(0, false);
      const bad = await writeJsonl(fx.work, 'bad.jsonl', [
        videoSegments(0)[0],
        { video_id: 'x', start_sec: 9, end_sec: 3, embedding: QUERY },
      ]);
      expectExit(runCli(['build', '--lib', fx.lib, '--from', bad, '--model', MODEL]), 2, this.message);
      expect(existsSync(fx.lib)).toBe(false);
    },
  },
  {
    fault: '--lib naming a regular file',
    command: 'vsearch build --lib FILE --from FILE',
    exit: 2,
    message: /the library path .* is not a directory/,
    async run() {
      const fx = await fixture(1, false);
      await writeFile(fx.lib, 'not a library');
      expectExit(
        runCli(['build', '--lib', fx.lib, '--from', fx.files[0] as string, '--model', MODEL]),
        2,
        this.message,
      );
      expectExit(runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile]), 2, this.message);
      expect(await readFile(fx.lib, 'utf8')).toBe('not a library');
    },
  },
  {
    fault: 're-import of a file already committed (a rerun after a kill)',
    command: 'vsearch build --from FILE (twice)',
    exit: 0,
    message: /nothing new to import; skipped 1 file\(s\) imported before \(same content\)/,
    async run() {
      const fx = await fixture(2);
      expectExit(
        runCli(['build', '--lib', fx.lib, '--from', fx.files[1] as string, '--model', MODEL]),
        0,
        this.message,
      );
      const json = runCli(['build', '--lib', fx.lib, '--from', fx.files[0] as string, '--model', MODEL, '--json']);
      expectExit(json, 0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        imported: { files: 0, segments: 0, skippedFiles: [fx.files[0]] },
        library: { segments: 6 },
      });
      expectExactAnswers(fx, fx.corpus);
    },
  },
  {
    fault: 'a segment file a crash left unlisted (written, never committed)',
    command: 'vsearch build --from FILE',
    exit: 0,
    async run() {
      const fx = await fixture(2);
      const listed = (await manifestOf(fx)).segmentFiles[0]?.name as string;
      const orphan = join(fx.lib, SEGMENTS_DIR, 'seg-000099-0badf00d.arrow');
      await writeFile(orphan, await readFile(join(fx.lib, SEGMENTS_DIR, listed)));
      expectExactAnswers(fx, fx.corpus);
      const extra = await writeJsonl(fx.work, 'extra.jsonl', videoSegments(5));
      expectExit(runCli(['build', '--lib', fx.lib, '--from', extra, '--model', MODEL]), 0);
      expect(existsSync(orphan)).toBe(false);
      expectExactAnswers(fx, [...fx.corpus, ...videoSegments(5)]);
    },
  },
  {
    fault: 'readers (query --like, --group-by video) while rm rewrites files',
    command: 'vsearch query ... in a loop during vsearch rm',
    exit: 0,
    async run() {
      const fx = await fixture(0, false);
      // Two videos per file, so each rm rewrites a file that readers' manifests still name.
      const pairs: JsonlSegment[][] = [];
      for (let i = 0; i < 4; i++) pairs.push([...videoSegments(2 * i), ...videoSegments(2 * i + 1)]);
      for (const [i, pair] of pairs.entries())
        expectExit(
          runCli([
            'build',
            '--lib',
            fx.lib,
            '--from',
            await writeJsonl(fx.work, `pair${i}.jsonl`, pair),
            '--model',
            MODEL,
          ]),
          0,
        );
      const removing = ['v1', 'v3', 'v5'];
      let done = false;
      const failures: string[] = [];
      let reads = 0;
      const reader = async (args: string[]): Promise<void> => {
        while (!done) {
          const result = await runCliAsync(args);
          reads++;
          if (result.status !== 0) failures.push(`${args.join(' ')} -> ${String(result.status)}: ${result.stderr}`);
        }
      };
      const readers = [
        reader(['query', '--lib', fx.lib, '--like', 'v0@0', '--json']),
        reader(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--group-by', 'video', '--json']),
      ];
      for (const video of removing) expectExit(await runCliAsync(['rm', video, '--lib', fx.lib]), 0);
      done = true;
      await Promise.all(readers);
      expect(failures).toEqual([]);
      expect(reads).toBeGreaterThanOrEqual(2);
      const kept = pairs.flat().filter((segment) => !removing.includes(segment.video_id));
      expect(await segmentCount(fx)).toBe(kept.length);
      expectExactAnswers(fx, kept);
      const grouped = JSON.parse(
        runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--group-by', 'video', '--json']).stdout,
      ) as { data: Array<{ video_id: string }> };
      expect(grouped.data.map((hit) => hit.video_id)).toEqual(exactVideos(kept, [QUERY]).map((video) => video.video));
    },
  },
];

describe('fault table: writers and the store', () => {
  it('has at least 14 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(14);
  });

  it.each(ROWS.map((row) => [`${row.fault} | ${row.command} -> exit ${row.exit}`, row] as const))(
    '%s',
    async (_title, row) => {
      await row.run();
    },
    240_000,
  );
});
