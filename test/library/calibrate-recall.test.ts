import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitMarengo } from '../../src/bench/fit-marengo.js';
import { marengoSpace } from '../../src/bench/marengo-space.js';
import { benchSegmentRows, encodeBenchSegments, rowOfHit } from '../../src/bench/segment-fixture.js';
import { generateXmodalSet } from '../../src/bench/xmodal-generator.js';
import { InputError } from '../../src/errors.js';
import { ExactIndex } from '../../src/index/index.js';
import { calibrationCovers, MIN_CACHED_QUERIES } from '../../src/library/calibrate-recall.js';
import { type Library, openLibrary } from '../../src/library/index.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempDir = useTempDirs();
const tempLibrary = useTempLibraries();
const DIMENSION = 32;

/** A seeded, clustered library searched by a deliberately weak HNSW graph, so recall grows with ef (one thread: the same graph every run). */
async function syntheticLibrary(count: number, kind: 'hnsw' | 'auto' = 'hnsw'): Promise<{ lib: Library; dir: string }> {
  const rows = syntheticSegments({ count, dimension: DIMENSION, seed: 7, clusters: 8 }, 10);
  const { lib, dir } = await tempLibrary({
    index: { kind, M: 4, efConstruction: 8 },
    indexThreads: 1,
    segments: rows,
    file: 'rows.jsonl',
    importOptions: { model: 'synthetic-32' },
  });
  return { lib, dir };
}

describe('Library.calibrateRecall', () => {
  it('picks the smallest swept ef whose measured recall meets the target, stores it, and a lower target never gets a larger ef', async () => {
    const { lib, dir } = await syntheticLibrary(1500);
    const strict = await lib.calibrateRecall(0.99, { queries: 100 });
    expect(strict.recall).toBeGreaterThanOrEqual(0.99);
    expect(strict.sweep.at(-1)).toMatchObject({ ef: strict.ef, recall: strict.recall });
    for (const point of strict.sweep.slice(0, -1)) expect(point.recall).toBeLessThan(0.99);
    expect(strict.sweep.length).toBeGreaterThan(1); // the weak graph misses at the smallest ef

    const stored = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      index: { ef: number; calibration: Record<string, unknown> };
    };
    expect(stored.index.ef).toBe(strict.ef);
    expect(stored.index.calibration).toMatchObject({
      target: 0.99,
      recall: strict.recall,
      k: 10,
      queries: 100,
      segments: 1500,
    });
    expect(lib.manifest.index.ef).toBe(strict.ef);

    let previous = strict.ef;
    for (const target of [0.95, 0.9, 0.7, 0.3]) {
      const looser = await lib.calibrateRecall(target, { queries: 100 });
      expect(looser.recall).toBeGreaterThanOrEqual(target);
      expect(looser.ef).toBeLessThanOrEqual(previous);
      previous = looser.ef;
    }
    // Searches still answer with the stored ef; setSearchEf replaces it and drops the calibration.
    await lib.setSearchEf(200);
    expect(lib.manifest.index.ef).toBe(200);
    expect(lib.manifest.index.calibration).toBeUndefined();
    await lib.close();
  }, 60_000);

  it('is deterministic for a seed', async () => {
    const { lib } = await syntheticLibrary(800);
    const a = await lib.calibrateRecall(0.95, { queries: 50, seed: 3 });
    const b = await lib.calibrateRecall(0.95, { queries: 50, seed: 3 });
    expect(b.sweep).toEqual(
      a.sweep.map((point) => ({ ...point, meanUs: b.sweep.find((p) => p.ef === point.ef)?.meanUs })),
    );
    await lib.close();
  }, 60_000);

  it('refuses a target outside (0, 1], a library searched exactly, and a target no ef reaches', async () => {
    const { lib } = await syntheticLibrary(300);
    for (const bad of [0, -0.5, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(lib.calibrateRecall(bad)).rejects.toThrow(/recall target must be a number in \(0, 1\]/);
    }
    // Two tiny breadths on a weak graph cannot find every true neighbour.
    const unreachable = lib.calibrateRecall(1, { efs: [1, 2], k: 50, queries: 40 });
    await expect(unreachable).rejects.toBeInstanceOf(InputError);
    await expect(lib.calibrateRecall(1, { efs: [1, 2], k: 50, queries: 40 })).rejects.toThrow(
      /no ef up to 2 reaches recall@50 1: the best was 0\.\d+ at ef=\d/,
    );
    await lib.close();

    const small = await syntheticLibrary(300, 'auto');
    await expect(small.lib.calibrateRecall(0.9)).rejects.toThrow(
      /too small to calibrate: its 300 segments are searched exactly/,
    );
    await small.lib.close();
  }, 60_000);
});

describe('calibrationCovers', () => {
  const stored = {
    target: 0.99,
    recall: 0.993,
    k: 10,
    queries: 300,
    segments: 10_000,
    calibratedAt: '2026-01-01T00:00:00.000Z',
  };

  it('covers a target no higher, with the same k, on a library of about the same size', () => {
    expect(calibrationCovers(stored, 0.99, 10, 10_000)).toBe(true);
    expect(calibrationCovers(stored, 0.9, 10, 11_000)).toBe(true);
    expect(calibrationCovers(stored, 0.995, 10, 10_000)).toBe(false);
    expect(calibrationCovers(stored, 0.9, 20, 10_000)).toBe(false);
    expect(calibrationCovers(stored, 0.9, 10, 13_000)).toBe(false);
    expect(calibrationCovers(undefined, 0.5, 10, 10_000)).toBe(false);
  });
});

describe.skipIf(!HAS_SHARED_DATA)('calibration on cached text queries (cross-modal generator, 20k x 256)', () => {
  it('asked 0.99, stores a text ef at which held-out text queries, searched as text, reach >= 0.98; own-vector calibration alone leaves text unmeasured', async () => {
    const work = await tempDir();
    const { model } = fitMarengo(SHARED_DATA);
    const dimension = 256;
    const cachedCount = 150;
    const heldOut = 200;
    const set = generateXmodalSet(marengoSpace(model, dimension), {
      count: 20_000,
      seed: 3,
      textQueries: cachedCount + heldOut,
      clipQueries: 0,
    });
    const textQuery = (q: number): Float32Array => set.textQueries.subarray(q * dimension, (q + 1) * dimension);
    const dir = join(work, 'lib');
    const lib = await openLibrary(dir, { create: true, indexThreads: 1 });
    const importFile = join(work, 'segments.arrow');
    await writeFile(
      importFile,
      encodeBenchSegments(benchSegmentRows(set.vectors, dimension, 'xmodal-256'), 'xmodal-256'),
    );
    await lib.importSegments(importFile, { model: 'xmodal-256' });

    // Too few cached text queries: text is not measured, and its searches keep the text default.
    for (let q = 0; q < MIN_CACHED_QUERIES - 1; q++)
      await lib.cacheQuery({ modality: 'text', text: `cached ${q}` }, textQuery(q));
    const ownOnly = await lib.calibrateRecall(0.99);
    expect(ownOnly.unmeasured).toEqual(['text', 'image', 'audio']);
    expect(ownOnly.cachedCounts.text).toBe(MIN_CACHED_QUERIES - 1);
    expect(ownOnly.modalities.video?.source).toBe('own');
    expect(lib.manifest.index.calibration?.modalities?.text).toBeUndefined();

    for (let q = MIN_CACHED_QUERIES - 1; q < cachedCount; q++)
      await lib.cacheQuery({ modality: 'text', text: `cached ${q}` }, textQuery(q));
    const calibration = await lib.calibrateRecall(0.99);
    const text = calibration.modalities.text;
    expect(text).toMatchObject({ source: 'cached', count: cachedCount });
    expect(text?.recall).toBeGreaterThanOrEqual(0.99);
    const stored = lib.manifest.index.calibration?.modalities?.text;
    expect(stored).toMatchObject({ ef: text?.ef, source: 'cached', count: cachedCount });

    // Held-out text queries (not the cached ones), cached after the calibration and searched as
    // text, so the search picks its ef by modality; recall against an exact scan.
    const exact = new ExactIndex(dimension);
    exact.add(
      set.vectors,
      Uint32Array.from({ length: set.count }, (_, i) => i),
    );
    let asText = 0;
    let asVector = 0;
    for (let q = cachedCount; q < cachedCount + heldOut; q++) {
      await lib.cacheQuery({ modality: 'text', text: `held out ${q}` }, textQuery(q));
      const truth = new Set(exact.search(textQuery(q), 10).labels);
      const rowsOf = (response: { data: { video_id: string; start: number }[] }): number[] =>
        response.data.map((hit) => rowOfHit(hit.video_id, hit.start));
      asText +=
        rowsOf(await lib.search({ text: `held out ${q}`, offline: true, pageLimit: 10 })).filter((row) =>
          truth.has(row),
        ).length / 10;
      asVector +=
        rowsOf(await lib.search({ vector: textQuery(q), pageLimit: 10 })).filter((row) => truth.has(row)).length / 10;
    }
    expect(asText / heldOut).toBeGreaterThanOrEqual(0.98);
    // The same vectors searched as vectors (in distribution) get the video ef, and find less:
    // the text ef is what made the difference.
    expect(calibration.modalities.video?.ef).toBeLessThan(text?.ef ?? 0);
    expect(asVector / heldOut).toBeLessThan(asText / heldOut);
    await lib.close();
  }, 600_000);
});

describe('an ef chosen by the caller', () => {
  it('given at creation or by setSearchEf, is what every modality searches with', async () => {
    const dir = join(await tempDir(), 'lib');
    const lib = await openLibrary(dir, { create: true, index: { ef: 200 } });
    expect(lib.manifest.index).toMatchObject({ ef: 200, efFixed: true });
    const stats = await lib.stats();
    expect(stats.index.search_ef.text).toEqual({ ef: 200, basis: 'fixed' });
    expect(stats.index.search_ef.video).toEqual({ ef: 200, basis: 'fixed' });
    await lib.close();
    const plain = await openLibrary(join(await tempDir(), 'lib'), { create: true });
    expect((await plain.stats()).index.search_ef.text.basis).toBe('default');
    await plain.setSearchEf(40);
    expect((await plain.stats()).index.search_ef.text).toEqual({ ef: 40, basis: 'fixed' });
    await plain.close();
  });
});
