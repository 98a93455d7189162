import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import { openLibrary } from '../../src/library/index.js';
import type { LibraryStats } from '../../src/library/stats.js';
import { runCli } from '../helpers/cli.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIMENSION = 24;

async function library(count: number, kind: 'hnsw' | 'auto'): Promise<{ dir: string; work: string }> {
  const { lib, dir, work } = await tempLibrary({
    index: { kind, M: 4, efConstruction: 8 },
    indexThreads: 1,
    segments: syntheticSegments({ count, dimension: DIMENSION, seed: 5, clusters: 6 }, 12),
    file: 'rows.jsonl',
    importOptions: { model: 'synthetic-24' },
  });
  await lib.close();
  return { dir, work };
}

/** Query vectors from the same clusters, shifted along one axis: out of the stored distribution, as text is. */
function shiftedQueries(count: number, seed: number): number[][] {
  const flat = syntheticQueries({ count, dimension: DIMENSION, seed: 5, clusters: 6, querySeed: seed });
  return Array.from({ length: count }, (_, q) =>
    Array.from(flat.subarray(q * DIMENSION, (q + 1) * DIMENSION), (x, j) => x + (j === 0 ? 0.8 : 0)),
  );
}

describe('vsearch bench --calibrate-recall --queries FILE and what stats and query --recall say of it', () => {
  it('measures each modality of the sample, stores what it measured on, and stats shows it per modality', async () => {
    const { dir, work } = await library(1200, 'hnsw');
    const sample = join(work, 'sample.jsonl');
    await writeFile(
      sample,
      `${shiftedQueries(60, 11)
        .map((vector) => JSON.stringify({ vector, modality: 'text' }))
        .join('\n')}\n`,
    );
    const result = runCli(['bench', '--lib', dir, '--calibrate-recall', '0.95', '--queries', sample]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/text queries\s+ef=\d+: recall@10 (0\.9[5-9]|1\.0)\d* on 60 queries of your sample/);
    expect(result.stdout).toMatch(/image queries\s+not measured: 0 cached \(50 needed\)/);

    const stats = JSON.parse(runCli(['stats', '--lib', dir, '--json']).stdout) as LibraryStats;
    expect(stats.index.search_ef.text).toMatchObject({ basis: 'calibrated', source: 'sample', queries: 60 });
    expect(stats.index.search_ef.text.recall).toBeGreaterThanOrEqual(0.95);
    expect(stats.index.search_ef.video).toMatchObject({ basis: 'calibrated', source: 'own' });
    expect(stats.index.search_ef.audio.basis).toBe('default');
    expect(stats.index.calibration?.modalities?.text?.ef).toBe(stats.index.search_ef.text.ef);
    const human = runCli(['stats', '--lib', dir]).stdout;
    expect(human).toMatch(/text queries\s+ef=\d+ \(recall@10 [\d.]+ measured on 60 of your sample\)/);
    expect(human).toMatch(/audio queries\s+ef=\d+ \(default for this size, recall not measured\)/);
  }, 120_000);

  it('says a cross-modal query has no measured recall rather than claiming one', async () => {
    const { dir } = await library(1200, 'hnsw');
    const lib = await openLibrary(dir);
    await lib.cacheQuery({ modality: 'text', text: 'a dog on a beach' }, shiftedQueries(1, 12)[0] as number[]);
    await lib.close();
    const result = runCli(['query', 'a dog on a beach', '--offline', '--lib', dir, '--recall', '0.95', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /recall for text queries is not measured: the query cache holds fewer than 50 text queries/,
    );
    expect((JSON.parse(result.stdout) as { data: unknown[] }).data).toHaveLength(10);
  }, 120_000);

  it('searches a library small enough to be searched exactly for any --recall (exit 0, no calibration)', async () => {
    const { dir, work } = await library(300, 'auto');
    const vectorFile = join(work, 'q.json');
    await writeFile(vectorFile, JSON.stringify(shiftedQueries(1, 13)[0]));
    const result = runCli(['query', '--vector', vectorFile, '--lib', dir, '--recall', '0.999', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.stdout) as { data: unknown[] }).data).toHaveLength(10);
  }, 120_000);

  it.each([
    ['not JSON', 'nope', /sample\.jsonl line 2 is not JSON/],
    [
      'an unknown modality',
      JSON.stringify({ vector: [1, 2], modality: 'smell' }),
      /line 2: "modality" must be one of text, image, audio, video/,
    ],
    [
      'a vector of strings',
      JSON.stringify({ vector: ['a'], modality: 'text' }),
      /line 2: "vector" must be a non-empty array of finite numbers/,
    ],
  ])(
    'refuses a sample line that is %s with exit 2, storing nothing',
    async (_case, line, message) => {
      const { dir, work } = await library(1200, 'hnsw');
      const sample = join(work, 'sample.jsonl');
      await writeFile(sample, `${JSON.stringify({ vector: shiftedQueries(1, 14)[0], modality: 'text' })}\n${line}\n`);
      const before = (JSON.parse(runCli(['stats', '--lib', dir, '--json']).stdout) as LibraryStats).index;
      const result = runCli(['bench', '--lib', dir, '--calibrate-recall', '0.9', '--queries', sample]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect((JSON.parse(runCli(['stats', '--lib', dir, '--json']).stdout) as LibraryStats).index).toEqual(before);
    },
    120_000,
  );
});
