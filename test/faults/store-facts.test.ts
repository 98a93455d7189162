import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, type ManifestFile } from '../../src/store/manifest.js';
import { VIDEO_FACTS_DIR } from '../../src/store/video-facts-store.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

/**
 * The fault table for the video-facts table (issue 16 part 2, issue 10): damage to the derived
 * per-video table. Each row damages it, then runs the real CLI: stats and query still answer
 * (from facts rebuilt from the segment files, answers equal an exact scan), doctor reports the
 * damage (exit 1), doctor --repair stores the table anew (exit 0), and no segment was lost.
 */

const tempLibrary = useTempLibraries();
const DIM = 16;
const MODEL = 'custom-16';
const QUERY = testVector(DIM, 777);

interface Fixture {
  lib: string;
  corpus: JsonlSegment[];
  queryFile: string;
}

/** 12 videos of 5 clips in two imports: the facts table has a base and one delta. */
async function fixture(): Promise<Fixture> {
  const first = Array.from({ length: 8 }, (_, v) => clipSegments(`v${v}`, 5, DIM, v + 1)).flat();
  const second = Array.from({ length: 4 }, (_, v) => clipSegments(`w${v}`, 5, DIM, v + 50)).flat();
  const {
    lib: library,
    dir: lib,
    work,
  } = await tempLibrary({ segments: first, file: 'a.jsonl', importOptions: { model: MODEL } });
  try {
    await library.importSegments(await writeJsonl(work, 'b.jsonl', second), { model: MODEL });
  } finally {
    await library.close();
  }
  const queryFile = join(work, 'query.json');
  await writeFile(queryFile, JSON.stringify(QUERY));
  return { lib, corpus: [...first, ...second], queryFile };
}

async function factsFiles(fx: Fixture): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(fx.lib, MANIFEST_FILE), 'utf8')) as ManifestFile;
  return manifest.videoFacts.files.map((file) => join(fx.lib, VIDEO_FACTS_DIR, file.name));
}

function expectExit(result: CliResult, status: number, message?: RegExp): void {
  expect(result.status, `exit ${String(result.status)}: ${result.stderr}`).toBe(status);
  if (message !== undefined) expect(result.stdout + result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
}

function expectWhole(fx: Fixture): void {
  const stats = runCli(['stats', '--lib', fx.lib, '--json']);
  expectExit(stats, 0);
  expect(JSON.parse(stats.stdout)).toMatchObject({ videos: 12, segments: 60, total_duration: 12 * 30 });
  const query = runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--limit', '20', '--json']);
  expectExit(query, 0);
  const hits = (
    JSON.parse(query.stdout) as {
      data: Array<{ video_id: string; start: number; embedding_option: string; score: number }>;
    }
  ).data;
  expect(hits.map(hitKey)).toEqual(
    exactClips(fx.corpus, [QUERY])
      .slice(0, 20)
      .map((hit) => hit.key),
  );
}

interface FaultRow {
  fault: string;
  damage(fx: Fixture): Promise<void>;
  /** What doctor says of it. */
  message: RegExp;
}

const ROWS: FaultRow[] = [
  {
    fault: 'a flipped byte in the delta file',
    async damage(fx) {
      const path = (await factsFiles(fx))[1] ?? '';
      const bytes = await readFile(path);
      bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 0x55;
      await writeFile(path, bytes);
    },
    message:
      /video facts file .* does not match its size and sha256 in the manifest \(damaged\); rebuilt from the segment files/,
  },
  {
    fault: 'the base file deleted',
    async damage(fx) {
      await rm((await factsFiles(fx))[0] ?? '');
    },
    message: /video facts file .* cannot be read \(ENOENT\); rebuilt from the segment files/,
  },
  {
    fault: 'the facts/ folder deleted',
    async damage(fx) {
      await rm(join(fx.lib, VIDEO_FACTS_DIR), { recursive: true });
    },
    message: /video facts file .* cannot be read \(ENOENT\)/,
  },
  {
    fault: 'the base cut short',
    async damage(fx) {
      const path = (await factsFiles(fx))[0] ?? '';
      await writeFile(path, (await readFile(path)).subarray(0, 40));
    },
    message: /does not match its size and sha256/,
  },
];

describe('fault table: the video-facts table', () => {
  it.each(ROWS)(
    '$fault | vsearch stats, query, doctor (exit 1), doctor --repair (exit 0)',
    async (row) => {
      const fx = await fixture();
      await row.damage(fx);
      expectWhole(fx);
      const doctor = runCli(['doctor', '--lib', fx.lib, '--json']);
      expectExit(doctor, 1, row.message);
      expect(
        (JSON.parse(doctor.stdout) as { problems: Array<{ kind: string }> }).problems.map((problem) => problem.kind),
      ).toEqual(['video-facts-damaged']);
      expectExit(runCli(['doctor', '--lib', fx.lib, '--repair']), 0);
      expectExit(runCli(['doctor', '--lib', fx.lib]), 0);
      expect((await factsFiles(fx)).length).toBe(1);
      expectWhole(fx);
    },
    120_000,
  );
});
