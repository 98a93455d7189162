import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecallLatencyReport } from '../../src/bench/recall-latency.js';
import { syntheticVectors } from '../../src/bench/synthetic.js';
import { runCli } from '../helpers/cli.js';
import { clipSegments, writeJsonl } from '../helpers/segments.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { createTempLibrary } from '../helpers/temp-library.js';

/** What `vsearch bench --json` prints: the report, under the command's own `data` key too. */
type BenchJson = RecallLatencyReport & { data: Record<string, unknown> };

const SOURCES = [
  'src/cli/bench.ts',
  'src/cli/bench-calibrate.ts',
  'src/library/calibrate-recall.ts',
  'src/cli/commands.ts',
  'src/bench/recall-latency.ts',
  'src/bench/sample-queries.ts',
  'src/bench/percentiles.ts',
];
const BUILT = join(PROJECT_ROOT, 'dist', 'cli', 'bench.js');

/** Builds dist/ when it lacks the bench command or is older than its sources (npm test builds first anyway). */
function ensureBuilt(): void {
  const newest = Math.max(...SOURCES.map((file) => statSync(join(PROJECT_ROOT, file)).mtimeMs));
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest) return;
  // tsc emits even when files elsewhere in the tree have type errors; only a crash matters here.
  spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PROJECT_ROOT, 'tsconfig.build.json')],
    { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 240_000 },
  );
  expect(existsSync(BUILT), 'dist/cli/bench.js after building').toBe(true);
}

let work: string;
let synthetic: BenchJson;

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  ensureBuilt();
  work = suiteDir();
  const result = runCli(['bench', '--synthetic', '2000', '--dim', '64', '--queries', '50', '--threads', '1', '--json']);
  expect(result.status, result.stderr).toBe(0);
  synthetic = JSON.parse(result.stdout) as BenchJson;
}, 300_000);

describe('vsearch bench --synthetic', () => {
  it('prints the run as JSON', () => {
    expect(synthetic.data).toEqual({ source: 'synthetic', count: 2000, dimension: 64, clusters: 64, seed: 1 });
    expect(synthetic).toMatchObject({
      count: 2000,
      dimension: 64,
      queries: 50,
      k: 10,
      hnsw: { M: 16, efConstruction: 200, seed: 1, threads: 1 },
    });
    expect(synthetic.sweep.map((r) => r.ef)).toEqual([16, 32, 64, 128]);
    expect(synthetic.build.seconds).toBeGreaterThan(0);
    expect(synthetic.build.vectorsPerSecond).toBeGreaterThan(0);
    for (const figures of [synthetic.exact, ...synthetic.sweep]) {
      expect(figures.p50Us).toBeGreaterThan(0);
      expect(figures.p99Us).toBeGreaterThanOrEqual(figures.p50Us);
      expect(figures.qps).toBeGreaterThan(0);
    }
  });

  it('reaches recall@10 >= 0.95 at the largest ef, and every recall is in [0, 1]', () => {
    for (const r of synthetic.sweep) {
      expect(r.recall).toBeGreaterThanOrEqual(0);
      expect(r.recall).toBeLessThanOrEqual(1);
    }
    expect(synthetic.sweep.at(-1)?.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('prints a table for people, and no progress when stderr is not a terminal', () => {
    const result = runCli([
      'bench',
      '--synthetic',
      '500',
      '--dim',
      '16',
      '--queries',
      '20',
      '--k',
      '5',
      '--ef',
      '8,64',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^data {4}500 x 16 \(synthetic, seed 1\), 20 queries, k=5$/m);
    expect(result.stdout).toMatch(/^build {3}HNSW M=16 efConstruction=200, \d+ threads?: [\d.]+ s, \d+ vectors\/s$/m);
    expect(result.stdout).toMatch(/^exact {3}p50 \d+ us, p99 \d+ us, \d+ QPS$/m);
    expect(result.stdout).toMatch(/^\s+ef\s+recall@5\s+p50 us\s+p99 us\s+QPS$/m);
    const rows = result.stdout.split('\n').filter((line) => /^\s+\d+\s+[01]\.\d{4}\s/.test(line));
    expect(rows.map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual([8, 64]);
  });

  it('is reproducible per seed: same data, same recall', () => {
    const again = runCli([
      'bench',
      '--synthetic',
      '2000',
      '--dim',
      '64',
      '--queries',
      '50',
      '--threads',
      '1',
      '--json',
    ]);
    const other = runCli([
      'bench',
      '--synthetic',
      '2000',
      '--dim',
      '64',
      '--queries',
      '50',
      '--seed',
      '9',
      '--ef',
      '16',
      '--json',
    ]);
    expect((JSON.parse(again.stdout) as BenchJson).sweep.map((r) => r.recall)).toEqual(
      synthetic.sweep.map((r) => r.recall),
    );
    expect((JSON.parse(other.stdout) as BenchJson).data['seed']).toBe(9);
  });
});

describe('vsearch bench --lib', () => {
  it('benchmarks a library with its own vectors and index parameters, flags overriding', async () => {
    const lib = join(work, 'lib');
    const rows = [...clipSegments('a', 120, 1024, 1), ...clipSegments('b', 80, 1024, 2)];
    const built = runCli(['build', '--lib', lib, '--from', await writeJsonl(work, 'segments.jsonl', rows)]);
    expect(built.status, built.stderr).toBe(0);

    const own = runCli(['bench', '--lib', lib, '--queries', '30', '--ef', '200', '--json']);
    expect(own.status, own.stderr).toBe(0);
    const report = JSON.parse(own.stdout) as BenchJson;
    expect(report.data).toMatchObject({ source: 'library', dir: lib, count: 200, dimension: 1024 });
    expect(report).toMatchObject({ count: 200, dimension: 1024, queries: 30, hnsw: { M: 16, efConstruction: 100 } });
    // ef 200 covers all 200 vectors: the search is exhaustive.
    expect(report.sweep[0]?.recall).toBe(1);

    const tuned = runCli(['bench', '--lib', lib, '--queries', '10', '--M', '8', '--ef-construction', '40', '--json']);
    expect(tuned.status, tuned.stderr).toBe(0);
    expect((JSON.parse(tuned.stdout) as BenchJson).hnsw).toMatchObject({ M: 8, efConstruction: 40 });
  });

  it('refuses a missing library with exit 2', () => {
    const result = runCli(['bench', '--lib', join(work, 'absent'), '--queries', '5']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no vsearch library at .*absent/);
  });
});

describe('vsearch bench usage errors exit 2 with a message', () => {
  it.each([
    [['--k', '0'], /--k must be an integer from 1 to 10000, got "0"/],
    [['--ef', '16,x'], /--ef must be an integer from 1 to 100000, got "x"/],
    [['--ef', '16,,32'], /--ef must be a comma-separated list of integers/],
    [['--queries', '-3'], /--queries must be an integer from 1/],
    [['--M', '1'], /--M must be an integer from 2/],
    [['--synthetic', 'many'], /--synthetic must be an integer from 1/],
  ])('%j', (flags, message) => {
    const result = runCli(['bench', '--synthetic', '100', '--dim', '8', ...flags]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('--dim without --synthetic', () => {
    const result = runCli(['bench', '--dim', '64', '--lib', work]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--dim applies only with --synthetic/);
  });
});

describe('vsearch bench --lib DIR --calibrate-recall TARGET', () => {
  let lib: string;

  beforeAll(async () => {
    const created = await createTempLibrary({
      work,
      name: 'hnsw-lib',
      index: { kind: 'hnsw', M: 4, efConstruction: 8 },
      segments: syntheticSegments({ count: 1200, dimension: 24, seed: 5, clusters: 6 }, 12),
      file: 'calibrate.jsonl',
      importOptions: { model: 'synthetic-24' },
    });
    await created.lib.close();
    lib = created.dir;
  });

  it('stores the smallest ef that meets the target and reports the sweep', async () => {
    const result = runCli(['bench', '--lib', lib, '--calibrate-recall', '0.98', '--queries', '80', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ef: number;
      recall: number;
      target: number;
      k: number;
      queries: number;
      segments: number;
      sweep: { ef: number; recall: number }[];
      stored: { ef: number };
    };
    expect(report).toMatchObject({ target: 0.98, k: 10, queries: 80, segments: 1200, stored: { ef: report.ef } });
    expect(report.recall).toBeGreaterThanOrEqual(0.98);
    expect(report.sweep.at(-1)?.ef).toBe(report.ef);
    const stats = runCli(['stats', '--lib', lib, '--json']);
    expect((JSON.parse(stats.stdout) as { index: { ef: number } }).index.ef).toBe(report.ef);

    const human = runCli(['bench', '--lib', lib, '--calibrate-recall', '0.5', '--queries', '80']);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /^ef=\d+ meets recall@10 >= 0\.5: measured [01]\.\d{4} on 80 of the library's 1200 vectors/m,
    );
    const looser = Number(/^ef=(\d+)/m.exec(human.stdout)?.[1]);
    expect(looser).toBeLessThanOrEqual(report.ef);
  });

  it('vsearch query --recall calibrates once, then reuses the stored ef while it covers the target', async () => {
    const { writeFile } = await import('node:fs/promises');
    const vectorFile = join(work, 'query-vector.json');
    await writeFile(
      vectorFile,
      JSON.stringify(Array.from(syntheticVectors({ count: 1, dimension: 24, seed: 99, clusters: 6 }))),
    );
    const first = runCli(['query', '--vector', vectorFile, '--lib', lib, '--recall', '0.99', '--json']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/calibrating the search breadth for recall@10 >= 0.99/);
    expect((JSON.parse(first.stdout) as { data: unknown[] }).data).toHaveLength(10);
    const stats = JSON.parse(runCli(['stats', '--lib', lib, '--json']).stdout) as { index: { ef: number } };

    const covered = runCli(['query', '--vector', vectorFile, '--lib', lib, '--recall', '0.95', '--json']);
    expect(covered.status, covered.stderr).toBe(0);
    expect(covered.stderr).toBe('');
    expect((JSON.parse(runCli(['stats', '--lib', lib, '--json']).stdout) as { index: { ef: number } }).index.ef).toBe(
      stats.index.ef,
    );

    const bad = runCli(['query', '--vector', vectorFile, '--lib', lib, '--recall', '1.2']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/recall target must be a number in \(0, 1\]/);
  });

  it.each(['0', '1.5', '-1', 'high'])('refuses the target %s with exit 2', (target) => {
    const result = runCli(['bench', '--lib', lib, '--calibrate-recall', target]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      target === 'high' ? /--calibrate-recall must be a number/ : /recall target must be a number in \(0, 1\]/,
    );
    expect(result.stdout).toBe('');
  });

  it('refuses a target no ef reaches, a library searched exactly, and --synthetic, with exit 2', async () => {
    const unreachable = runCli([
      'bench',
      '--lib',
      lib,
      '--calibrate-recall',
      '1',
      '--ef',
      '1,2',
      '--k',
      '50',
      '--queries',
      '30',
    ]);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toMatch(/no ef up to 2 reaches recall@50 1: the best was 0\.\d+ at ef=\d/);
    // It names flags that exist: the way to a larger M or efConstruction is a new library.
    expect(unreachable.stderr).toContain(
      `build a new library with a larger --index-m or --ef-construction (such as 32 and 200) from ${lib}/segments/*.arrow`,
    );

    const small = join(work, 'small-lib');
    expect(
      runCli(['build', '--lib', small, '--from', await writeJsonl(work, 'small.jsonl', clipSegments('a', 30, 1024, 1))])
        .status,
    ).toBe(0);
    const exact = runCli(['bench', '--lib', small, '--calibrate-recall', '0.9']);
    expect(exact.status).toBe(2);
    expect(exact.stderr).toMatch(/too small to calibrate: its 30 segments are searched exactly/);

    const synthetic = runCli(['bench', '--synthetic', '100', '--calibrate-recall', '0.9']);
    expect(synthetic.status).toBe(2);
    expect(synthetic.stderr).toMatch(/--calibrate-recall tunes a library/);
  });
});
