import { constants } from 'node:buffer';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { MANIFEST_FILE, type Manifest, SEGMENTS_DIR } from '../../src/store/index.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';
import { expectExactCliAnswers } from './exact-answers.js';

/**
 * The fault table for bounded segment files (issue 16 part 1, issue 10): a write that fails
 * between the files of one split write, and files too large for one readFile (written before
 * files were capped, or by another tool). Each row runs the real CLI where the case is a CLI
 * case (the library API where a write must fail part-way), and checks the exit code and message,
 * that no segment was lost, and that every answer given equals an exact scan.
 */

// The Nth segment file write of the process fails as a full disk would; every other write is real.
const failing = vi.hoisted(() => ({ on: 0, seen: 0 }));
vi.mock('../../src/store/atomic-write.js', async (original) => {
  const real = await original<typeof import('../../src/store/atomic-write.js')>();
  return {
    ...real,
    async writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
      if (/[\\/]segments[\\/]seg-/.test(path) && failing.on > 0 && ++failing.seen === failing.on) {
        throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
      }
      return real.writeFileAtomic(path, data);
    },
  };
});

const tempLibrary = useTempLibraries();
const DIM = 16;
const MODEL = 'custom-16';
const QUERY = testVector(DIM, 4243);
const CAP = 100;

interface Fixture {
  work: string;
  lib: string;
  corpus: JsonlSegment[];
  queryFile: string;
}

function videos(from: number, count: number): JsonlSegment[] {
  return Array.from({ length: count }, (_, i) =>
    clipSegments(`v${from + i}`, 10, DIM, from + i + 1, { embedding_option: 'visual' }),
  ).flat();
}

/** A library of 45 videos x 10 clips imported at once, split by `cap` (one file without). */
async function fixture(cap: number | undefined): Promise<Fixture> {
  const corpus = videos(0, 45);
  const {
    lib: library,
    dir: lib,
    work,
  } = await tempLibrary({ segmentFileRows: cap, segments: corpus, file: 'all.jsonl', importOptions: { model: MODEL } });
  await library.close();
  const queryFile = join(work, 'query.json');
  await writeFile(queryFile, JSON.stringify(QUERY));
  return { work, lib, corpus, queryFile };
}

function expectExit(result: CliResult, status: number, message?: RegExp): void {
  expect(result.status, `exit ${String(result.status)}: ${result.stderr}`).toBe(status);
  if (message !== undefined) expect(result.stdout + result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/unexpected error|RangeError|ERR_FS_FILE_TOO_LARGE|\n\s+at /);
}

function expectExactAnswers(fx: Fixture, segments: readonly JsonlSegment[]): void {
  expectExactCliAnswers(fx, QUERY, segments);
}

function segmentCount(fx: Fixture): number {
  const result = runCli(['stats', '--lib', fx.lib, '--json']);
  expectExit(result, 0);
  return (JSON.parse(result.stdout) as { segments: number }).segments;
}

/** Every file in segments/ with its bytes, to show a failed write left none behind and changed none. */
async function segmentFiles(fx: Fixture, except?: string): Promise<Map<string, string>> {
  const dir = join(fx.lib, SEGMENTS_DIR);
  const names = (await readdir(dir)).filter((name) => name !== except).sort();
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, (await readFile(join(dir, name))).toString('base64')] as [string, string]),
    ),
  );
}

async function manifestOf(fx: Fixture): Promise<Manifest> {
  return JSON.parse(await readFile(join(fx.lib, MANIFEST_FILE), 'utf8')) as Manifest;
}

/**
 * Replaces the `index`-th listed file by a sparse file of `size` bytes and records that size
 * in the manifest, as a library holding such a file would list it: only reading it can tell.
 */
async function oversize(fx: Fixture, index: number, size: number): Promise<string> {
  const manifest = await manifestOf(fx);
  const entry = manifest.segmentFiles[index];
  if (entry === undefined) throw new Error(`no file ${index}`);
  const path = join(fx.lib, SEGMENTS_DIR, entry.name);
  await writeFile(path, '');
  await truncate(path, size);
  entry.bytes = size;
  await writeFile(join(fx.lib, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  return entry.name;
}

/** The files other than `name`, unchanged, and `name` still there at `size` bytes (nothing deleted it). */
async function expectKept(fx: Fixture, before: Map<string, string>, name: string, size: number): Promise<void> {
  before.delete(name);
  expect(await segmentFiles(fx, name)).toEqual(before);
  expect((await stat(join(fx.lib, SEGMENTS_DIR, name))).size).toBe(size);
}

interface FaultRow {
  fault: string;
  command: string;
  exit: number | 'rejects';
  message: RegExp;
  run(row: FaultRow): Promise<void>;
}

const ROWS: FaultRow[] = [
  {
    fault: 'the 3rd file of a split import fails to write (disk full between files)',
    command: 'lib.importSegments (350 rows, cap 100: 4 files)',
    exit: 'rejects',
    message: /ENOSPC/,
    async run(row) {
      const fx = await fixture(CAP);
      const before = await segmentFiles(fx);
      const library = await openLibrary(fx.lib, { segmentFileRows: CAP });
      try {
        failing.seen = 0;
        failing.on = 3;
        await expect(
          library.importSegments(await writeJsonl(fx.work, 'more.jsonl', videos(100, 35)), { model: MODEL }),
        ).rejects.toThrow(row.message);
      } finally {
        failing.on = 0;
        await library.close();
      }
      expect(failing.seen).toBe(3);
      // No new segment is visible, and the two files written before the failure are gone again.
      expect(await segmentFiles(fx)).toEqual(before);
      expect(segmentCount(fx)).toBe(450);
      expectExit(runCli(['doctor', '--lib', fx.lib]), 0);
      expectExactAnswers(fx, fx.corpus);
    },
  },
  {
    fault: 'the 2nd file of the rewrite of an old one-file library by rm fails to write',
    command: 'lib.removeVideo (450-row file, cap 100)',
    exit: 'rejects',
    message: /ENOSPC/,
    async run(row) {
      const fx = await fixture(undefined);
      const before = await segmentFiles(fx);
      const library = await openLibrary(fx.lib, { segmentFileRows: CAP });
      try {
        failing.seen = 0;
        failing.on = 2;
        await expect(library.removeVideo('v3')).rejects.toThrow(row.message);
      } finally {
        failing.on = 0;
        await library.close();
      }
      expect(failing.seen).toBe(2);
      expect(await segmentFiles(fx)).toEqual(before);
      expect(segmentCount(fx)).toBe(450);
      expectExit(runCli(['doctor', '--lib', fx.lib]), 0);
      expectExactAnswers(fx, fx.corpus);
    },
  },
  {
    fault: 'a listed segment file is larger than one buffer can hold (4 GiB + 1, sparse)',
    command: 'vsearch query --vector FILE; vsearch doctor',
    exit: 1,
    message: /is 4294967297 bytes, more than the \d+ bytes one buffer can hold, so it cannot be read: export its rows/,
    async run(row) {
      const fx = await fixture(CAP);
      const before = await segmentFiles(fx);
      const size = constants.MAX_LENGTH + 1;
      const name = await oversize(fx, 0, size);
      const query = runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--json']);
      expectExit(query, 1, row.message);
      expect(query.stderr).toContain(name);
      expect(query.stdout).toBe('');
      const doctor = runCli(['doctor', '--lib', fx.lib]);
      expectExit(doctor, 1, row.message);
      await expectKept(fx, before, name, size);
    },
  },
  {
    fault: 'a damaged segment file over 2 GiB (old layout, sparse): read in chunks, caught by its sha256',
    command: 'vsearch query --vector FILE; vsearch doctor',
    exit: 1,
    message: /sha256/,
    async run(row) {
      const fx = await fixture(CAP);
      const before = await segmentFiles(fx);
      const size = 2 ** 31 + 1;
      const name = await oversize(fx, 0, size);
      const query = runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--json']);
      expectExit(query, 1, /does not match its sha256/);
      expect(query.stderr).toContain(name);
      expect(query.stdout).toBe('');
      const doctor = runCli(['doctor', '--lib', fx.lib]);
      expectExit(doctor, 1, row.message);
      expect(doctor.stdout + doctor.stderr).not.toMatch(/greater than 2 GiB|cannot be read/);
      await expectKept(fx, before, name, size);
    },
  },
];

describe('fault table: bounded segment files', () => {
  it.each(ROWS.map((row) => [row.fault, row] as const))(
    '%s',
    async (_fault, row) => {
      await row.run(row);
    },
    240_000,
  );
});
