import { open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { readSegmentFile } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const DIM = 8;

interface Report {
  healthy: boolean;
  problems: { file: string; kind: string; message: string; repaired: boolean }[];
  checked: { manifest: boolean; segmentFiles: number; segments: number; index: string; graph: boolean; facts: boolean };
}

/** A small library: two imports (two segment files), exact search below 2000 segments unless `hnsw`. */
async function library(hnsw = false): Promise<string> {
  const dir = await tempDir();
  const lib = join(dir, 'lib');
  for (const [i, name] of ['a', 'b'].entries()) {
    const file = await writeJsonl(
      dir,
      `${name}.jsonl`,
      Array.from({ length: 5 }, (_, v) => clipSegments(`${name}-${v}`, 6, DIM, i * 10 + v + 1)).flat(),
    );
    if (hnsw && i === 0) {
      // A library is written by its first write, so the HNSW setting goes in with the first import.
      const created = await openLibrary(lib, { create: true, index: { kind: 'hnsw' } });
      await created.importSegments(file, { model: 'doctor-test' });
      await created.close();
      continue;
    }
    const run = runCli(['build', '--from', file, '--model', 'doctor-test', '--lib', lib]);
    expect(run.status, run.stderr).toBe(0);
  }
  return lib;
}

function doctor(lib: string, ...flags: string[]): { status: number | null; report: Report; stderr: string } {
  const run = runCli(['doctor', '--lib', lib, '--json', ...flags]);
  return { status: run.status, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

async function segmentPathIn(manifest: Buffer, lib: string, index: number): Promise<string> {
  const parsed = JSON.parse(manifest.toString('utf8')) as { segmentFiles: { name: string }[] };
  return join(lib, 'segments', (parsed.segmentFiles[index] as { name: string }).name);
}

async function segmentPath(lib: string, index: number): Promise<string> {
  const manifest = JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as {
    segmentFiles: { name: string }[];
  };
  return join(lib, 'segments', (manifest.segmentFiles[index] as { name: string }).name);
}

describe('vsearch doctor', () => {
  it('finds a healthy library healthy, says what it checked, and exits 0', async () => {
    const lib = await library();
    const { status, report } = doctor(lib);
    expect(status).toBe(0);
    expect(report).toEqual({
      healthy: true,
      problems: [],
      checked: { manifest: true, segmentFiles: 2, segments: 60, index: 'exact', graph: false, facts: true },
    });
    const human = runCli(['doctor', '--lib', lib]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(
      /^checked .*: manifest, 2 segment files \(60 segments\), index exact \(no graph file\), label facts\nhealthy\n$/,
    );
  });

  it('exits 2 on bad usage and on a folder that holds no library', async () => {
    expect(runCli(['doctor', '--no-such-flag']).status).toBe(2);
    const missing = runCli(['doctor', '--lib', join(await tempDir(), 'nothing-here')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no vsearch library at .*nothing-here/);
  });

  it('reports a damaged vector in a segment file, and --repair leaves it (the store is the source of truth) with exit 1', async () => {
    const lib = await library();
    const path = await segmentPath(lib, 1);
    const bytes = await readFile(path);
    const file = await readSegmentFile(path, 'x');
    const at = file.vectors.byteOffset - bytes.byteOffset + 4 * (3 * DIM + 2) + 3; // row 3, element 2, exponent byte
    const handle = await open(path, 'r+');
    await handle.write(Buffer.from([(bytes[at] as number) ^ 0x3c]), 0, 1, at);
    await handle.close();
    for (const flags of [[], ['--repair']]) {
      const { status, report } = doctor(lib, ...flags);
      expect(status).toBe(1);
      expect(report.healthy).toBe(false);
      const problem = report.problems.find((p) => p.file === join('segments', path.split('/').pop() ?? ''));
      expect(['segment-vectors', 'segment-checksum']).toContain(problem?.kind);
      expect(problem?.repaired).toBe(false);
    }
    const human = runCli(['doctor', '--lib', lib, '--repair']);
    expect(human.stdout).toMatch(
      /problem {3}segments\/seg-.*\.arrow {2}segment-(vectors|checksum): .*(row 3|sha256).*not repaired: a segment file is the source of truth/,
    );
  });

  it.each([
    ['missing', async (path: string) => rm(path), /segment-missing/],
    ['truncated', async (path: string) => truncate(path, 200), /segment-(mismatch|unreadable|checksum)/],
  ])('reports a segment file that is %s', async (_case, damage, kind) => {
    const lib = await library();
    await damage(await segmentPath(lib, 0));
    const { status, report } = doctor(lib);
    expect(status).toBe(1);
    expect(report.problems.map((p) => p.kind).join(' ')).toMatch(kind);
    expect(report.problems[0]?.message).toMatch(/30 segments are lost to searches/);
  });

  it('reports a missing, damaged or inconsistent manifest without touching the segment files, and --repair recovers it from them', async () => {
    const lib = await library();
    const manifest = await readFile(join(lib, 'manifest.json'));
    const segmentBytes = async (): Promise<Buffer[]> =>
      Promise.all([0, 1].map(async (i) => readFile(await segmentPathIn(manifest, lib, i))));
    const before = await segmentBytes();
    const answer = (): unknown => {
      const response = JSON.parse(
        runCli(['query', '--like', 'a-0', '--json', '--limit', '20', '--lib', lib]).stdout,
      ) as { data: unknown; page_info: { total_results: number } };
      return { data: response.data, total: response.page_info.total_results };
    };
    const expected = answer();
    await rm(join(lib, 'manifest.json'));
    let run = doctor(lib);
    expect(run.status).toBe(1);
    expect(run.report.problems).toEqual([
      {
        file: 'manifest.json',
        kind: 'manifest-missing',
        message: expect.stringMatching(/manifest is missing/),
        repaired: false,
      },
    ]);
    expect(await segmentBytes()).toEqual(before);
    run = doctor(lib, '--repair');
    expect(run.status, run.stderr).toBe(0);
    expect(run.report.problems).toEqual([expect.objectContaining({ kind: 'manifest-missing', repaired: true })]);
    expect(run.stderr).toMatch(
      /recovered manifest\.json \(it was missing\) from 2 segment file\(s\).*60 segments of 10 videos/,
    );
    expect(answer()).toEqual(expected);
    expect(doctor(lib).status).toBe(0);

    await writeFile(join(lib, 'manifest.json'), '{"format": "vsearch-lib');
    run = doctor(lib);
    expect(run.status).toBe(1);
    expect(run.report.problems.map((p) => p.kind)).toEqual(['manifest-damaged']);
    expect(doctor(lib, '--repair').status).toBe(0);
    expect(answer()).toEqual(expected);

    // A lowered nextLabel: new segments would reuse labels.
    const current = JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as { nextLabel: number };
    current.nextLabel = 10;
    await writeFile(join(lib, 'manifest.json'), JSON.stringify(current));
    run = doctor(lib);
    expect(run.status).toBe(1);
    expect(
      run.report.problems.some((p) => p.kind === 'manifest-inconsistent' && /nextLabel is 10/.test(p.message)),
    ).toBe(true);
    expect(doctor(lib, '--repair').status).toBe(0);
    expect((JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as { nextLabel: number }).nextLabel).toBe(
      60,
    );
    expect(answer()).toEqual(expected);
  });

  it('runs from code as lib.doctor(), repairing a damaged graph of an HNSW library', async () => {
    const lib = await library(true);
    const sidecar = JSON.parse(await readFile(join(lib, 'index', 'sidecar.json'), 'utf8')) as { graph: string };
    await truncate(join(lib, 'index', sidecar.graph), 1000);
    const warnings: string[] = [];
    const opened = await openLibrary(lib, { onWarning: (message) => warnings.push(message) });
    // Opening does not read the graph; the first search does, and rebuilds it (with one warning), so
    // doctor finds it sound; damage it again under the open library.
    expect(warnings).toEqual([]);
    await opened.search({ vector: testVector(DIM, 1), pageLimit: 3 });
    expect(warnings).toEqual([
      expect.stringMatching(/HNSW graph .* is corrupt .*; rebuilding the index from the store/),
    ]);
    const rebuilt = JSON.parse(await readFile(join(lib, 'index', 'sidecar.json'), 'utf8')) as { graph: string };
    await truncate(join(lib, 'index', rebuilt.graph), 1000);
    const found = await opened.doctor();
    expect(found.healthy).toBe(false);
    expect(found.problems).toEqual([
      {
        file: join('index', rebuilt.graph),
        kind: 'graph-damaged',
        message: expect.stringMatching(/truncated|too few/),
        repaired: false,
      },
    ]);
    const repaired = await opened.doctor({ repair: true });
    expect(repaired).toMatchObject({
      healthy: true,
      problems: [{ kind: 'graph-damaged', repaired: true }],
      checked: { index: 'hnsw', graph: true, facts: true },
    });
    expect((await opened.doctor()).healthy).toBe(true);
    await opened.close();
  });
});
