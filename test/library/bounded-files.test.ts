import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { SEGMENTS_DIR } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const DIM = 16;
const MODEL = 'custom-16';
const QUERY = testVector(DIM, 777);

interface Fixture {
  lib: string;
  corpus: JsonlSegment[];
  file: string;
  queryFile: string;
}

/** 45 videos of 10 clips, in one JSONL file. */
async function fixture(): Promise<Fixture> {
  const work = await tempDir();
  const corpus = Array.from({ length: 45 }, (_, i) =>
    clipSegments(`v${i}`, 10, DIM, i + 1, { embedding_option: 'visual' }),
  ).flat();
  const queryFile = join(work, 'query.json');
  await writeFile(queryFile, JSON.stringify(QUERY));
  return { lib: join(work, 'lib'), corpus, file: await writeJsonl(work, 'all.jsonl', corpus), queryFile };
}

async function importWith(fx: Fixture, segmentFileRows: number | undefined): Promise<number[]> {
  const lib = await openLibrary(fx.lib, { create: true, segmentFileRows });
  try {
    await lib.importSegments(fx.file, { model: MODEL });
    return lib.manifest.segmentFiles.map((entry) => entry.rows);
  } finally {
    await lib.close();
  }
}

/** The CLI's answer equals an exact scan of `segments`, and doctor finds the library healthy. */
function expectExactAndHealthy(fx: Fixture, segments: readonly JsonlSegment[]): void {
  const result = runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--limit', '50', '--json']);
  expect(result.status, result.stderr).toBe(0);
  const hits = (
    JSON.parse(result.stdout) as {
      data: Array<{ video_id: string; start: number; embedding_option: string; score: number }>;
    }
  ).data;
  const exact = exactClips(segments, [QUERY]);
  expect(hits.map(hitKey)).toEqual(exact.slice(0, 50).map((hit) => hit.key));
  hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i]?.score ?? NaN, 5));
  const doctor = runCli(['doctor', '--lib', fx.lib]);
  expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
}

describe('bounded segment files through the library', () => {
  it('splits an import larger than the cap into files, and the library opens, searches exactly and passes doctor', async () => {
    const fx = await fixture();
    expect(await importWith(fx, 100)).toEqual([100, 100, 100, 100, 50]);
    expect((await readdir(join(fx.lib, SEGMENTS_DIR))).filter((name) => name.endsWith('.arrow'))).toHaveLength(5);
    expectExactAndHealthy(fx, fx.corpus);
  }, 120_000);

  it('opens, searches and passes doctor on a library in the old layout (one file over the cap), and rm splits the file it rewrites', async () => {
    const fx = await fixture();
    expect(await importWith(fx, undefined)).toEqual([450]);
    const lib = await openLibrary(fx.lib, { segmentFileRows: 100 });
    try {
      expect(lib.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([450]);
      expectExactAndHealthy(fx, fx.corpus);
      await lib.removeVideo('v3');
      expect(lib.manifest.segmentFiles.map((entry) => entry.rows)).toEqual([100, 100, 100, 100, 40]);
    } finally {
      await lib.close();
    }
    expectExactAndHealthy(
      fx,
      fx.corpus.filter((segment) => segment.video_id !== 'v3'),
    );
  }, 120_000);
});
