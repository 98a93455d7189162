import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import { runCli } from '../helpers/cli.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIMENSION = 24;
const COUNT = 1200;

/** A library of COUNT segments and 51 cached text queries. */
async function library(): Promise<{ dir: string; work: string }> {
  const { lib, dir, work } = await tempLibrary({
    index: { kind: 'hnsw', M: 4, efConstruction: 8 },
    indexThreads: 1,
    segments: syntheticSegments({ count: COUNT, dimension: DIMENSION, seed: 5, clusters: 6 }, 12),
    file: 'rows.jsonl',
    importOptions: { model: 'synthetic-24' },
  });
  const queries = syntheticQueries({ count: 51, dimension: DIMENSION, seed: 5, clusters: 6, querySeed: 21 });
  for (let q = 0; q < 51; q++)
    await lib.cacheQuery({ modality: 'text', text: `q${q}` }, queries.subarray(q * DIMENSION, (q + 1) * DIMENSION));
  await lib.close();
  return { dir, work };
}

type StoredManifest = {
  counts: { segments: number };
  index: { calibration?: { modalities?: Record<string, { source: string; count: number }> } };
};

interface FaultRow {
  case: string;
  /** Applies the damage or bad input; returns the CLI arguments to run. */
  apply: (lib: { dir: string; work: string }) => Promise<string[]>;
  status: number;
  stderr: RegExp;
  /** What the stored calibration must say afterwards (undefined: the manifest is unchanged). */
  calibration?: (manifest: StoredManifest) => void;
}

const rows: FaultRow[] = [
  {
    case: 'a cached query file truncated (damaged cache)',
    apply: async ({ dir }) => {
      const cache = join(dir, 'cache');
      const first = (await readdir(cache)).filter((name) => name.endsWith('.arrow')).sort()[0] as string;
      await truncate(join(cache, first), 10);
      return ['bench', '--lib', dir, '--calibrate-recall', '0.9'];
    },
    status: 0,
    stderr: /the cached query .*\.arrow could not be read; calibration leaves it out/,
    // 50 readable text queries remain: still enough, and the record counts only those.
    calibration: (manifest) =>
      expect(manifest.index.calibration?.modalities?.text).toMatchObject({ source: 'cached', count: 50 }),
  },
  {
    case: 'a sample vector of the wrong dimension',
    apply: async ({ dir, work }) => {
      await writeFile(join(work, 'sample.jsonl'), `${JSON.stringify({ vector: [1, 2, 3], modality: 'text' })}\n`);
      return ['bench', '--lib', dir, '--calibrate-recall', '0.9', '--queries', join(work, 'sample.jsonl')];
    },
    status: 2,
    stderr: /a text calibration query has 3 dimensions but the library holds 24-d embeddings/,
  },
  {
    case: 'a sample line cut short (truncated file)',
    apply: async ({ dir, work }) => {
      await writeFile(
        join(work, 'sample.jsonl'),
        `${JSON.stringify({ vector: new Array(DIMENSION).fill(0.1), modality: 'audio' })}\n{"vector": [0.1, 0.2`,
      );
      return ['bench', '--lib', dir, '--calibrate-recall', '0.9', '--queries', join(work, 'sample.jsonl')];
    },
    status: 2,
    stderr: /sample\.jsonl line 2 is not JSON/,
  },
];

describe('fault table: calibration (xmodal area)', () => {
  it.each(rows)(
    '$case',
    async (row) => {
      const lib = await library();
      const before = await readFile(join(lib.dir, 'manifest.json'), 'utf8');
      const result = runCli(await row.apply(lib));
      expect(result.status, `${row.case}: ${result.stderr}`).toBe(row.status); // null (a signal death) fails the row
      expect(result.stderr).toMatch(row.stderr);
      const manifest = JSON.parse(await readFile(join(lib.dir, 'manifest.json'), 'utf8')) as StoredManifest;
      expect(manifest.counts.segments).toBe(COUNT);
      if (row.calibration === undefined) expect(manifest).toEqual(JSON.parse(before));
      else row.calibration(manifest);
      // No segment lost: the library still opens and indexes every one.
      const stats = JSON.parse(runCli(['stats', '--lib', lib.dir, '--json']).stdout) as {
        segments: number;
        index: { count: number };
      };
      expect(stats).toMatchObject({ segments: COUNT, index: { count: COUNT } });
    },
    120_000,
  );
});
