import { beforeAll, describe, expect, it } from 'vitest';
import { marengoSpace } from '../../src/bench/marengo-space.js';
import { meanRecall } from '../../src/bench/recall-latency.js';
import { videoRuns } from '../../src/bench/video-runs.js';
import { generateXmodalSet, type XmodalSet } from '../../src/bench/xmodal-generator.js';
import { ClipPartitions, consecutiveRuns, defaultPartitionProbes } from '../../src/index/clip-partitions.js';
import { ExactIndex } from '../../src/index/index.js';
import { fittedModelAsync } from '../bench/fit-marengo-process.js';
import { testVector } from '../helpers/segments.js';
import { HAS_SHARED_DATA, SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';

const DIM = 16;

/** `count` random unit vectors, flat, in one column: label i at row i. */
function randomVectors(count: number, dimension = DIM, seed = 1): Float32Array {
  const flat = new Float32Array(count * dimension);
  for (let i = 0; i < count; i++) {
    const v = testVector(dimension, seed * 100_000 + i);
    const norm = Math.hypot(...v);
    v.forEach((x, j) => (flat[i * dimension + j] = x / norm));
  }
  return flat;
}

function vectorsOf(column: Float32Array, dimension = DIM) {
  const count = column.length / dimension;
  return {
    dimension,
    columns: [column],
    file: new Int32Array(count),
    row: Uint32Array.from({ length: count }, (_, i) => i),
  };
}

const labelsFrom = (from: number, to: number): Uint32Array =>
  Uint32Array.from({ length: to - from }, (_, i) => from + i);

describe('consecutiveRuns', () => {
  it('splits a run longer than the cap into near-even runs of consecutive labels, in order, keeping every label', () => {
    const parts = consecutiveRuns([labelsFrom(0, 40), labelsFrom(40, 45)], 16);
    expect(parts.map((p) => p.length)).toEqual([13, 13, 14, 5]);
    expect(parts.flatMap((p) => [...p])).toEqual([...labelsFrom(0, 45)]);
  });
});

describe('ClipPartitions', () => {
  const column = randomVectors(600);
  const runs = consecutiveRuns([labelsFrom(0, 600)], 12);
  const partitions = ClipPartitions.build(runs, vectorsOf(column));
  const exact = new ExactIndex(DIM);
  exact.add(column, labelsFrom(0, 600));

  it('answers exactly when it probes every partition', () => {
    expect(partitions.partitions).toBe(50);
    for (let q = 0; q < 5; q++) {
      const query = randomVectors(1, DIM, 900 + q);
      const got = partitions.search(query, 10, 50);
      const want = exact.search(query, 10);
      expect([...got.labels]).toEqual([...want.labels]);
      got.scores.forEach((score, i) => expect(score).toBeCloseTo(want.scores[i] as number, 5));
    }
  });

  it('probes more partitions while a filter leaves fewer than k labels, so it still finds the available ones', () => {
    const available = (label: number): boolean => label >= 300 && label < 306;
    const query = randomVectors(1, DIM, 77);
    const got = partitions.search(query, 6, 1, available);
    expect([...got.labels].sort((a, b) => a - b)).toEqual([300, 301, 302, 303, 304, 305]);
    const want = exact.search(query, 6, { filter: available });
    expect([...got.labels]).toEqual([...want.labels]);
  });
});

sharedDataNote('partition search recall on the generator fitted on real Marengo 2.7 vectors');

/**
 * Issue 11 part 4 on a small seeded set: partitions of a video's consecutive clips, probed at
 * the default count, find the exact top 10 of text-like queries (across the modality gap).
 */
describe.skipIf(!HAS_SHARED_DATA)('partition search on a cross-modal set (20k x 256)', () => {
  const COUNT = 20_000;
  const DIMENSION = 256;
  const QUERIES = 150;
  let set: XmodalSet;
  let partitions: ClipPartitions;
  const truth: Record<'text' | 'clip', Uint32Array[]> = { text: [], clip: [] };
  const queryOf = (kind: 'text' | 'clip', q: number): Float32Array =>
    (kind === 'text' ? set.textQueries : set.clipQueries).subarray(q * DIMENSION, (q + 1) * DIMENSION);

  beforeAll(async () => {
    const model = await fittedModelAsync(SHARED_DATA);
    set = generateXmodalSet(marengoSpace(model, DIMENSION), {
      count: COUNT,
      seed: 4,
      textQueries: QUERIES,
      clipQueries: QUERIES,
    });
    partitions = ClipPartitions.build(consecutiveRuns(videoRuns(set)), vectorsOf(set.vectors, DIMENSION));
    const exact = new ExactIndex(DIMENSION);
    exact.add(set.vectors, labelsFrom(0, COUNT));
    for (const kind of ['text', 'clip'] as const) {
      for (let q = 0; q < QUERIES; q++) {
        truth[kind].push(exact.search(queryOf(kind, q), 10).labels);
        // Yield now and then: vitest gives up on a worker silent for a minute, as on a loaded machine.
        if (q % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }, 300_000);

  it.each(['text', 'clip'] as const)('%s-like queries reach recall@10 0.98 at the default probes', (kind) => {
    const found = Array.from(
      { length: QUERIES },
      (_, q) => partitions.search(queryOf(kind, q), 10, defaultPartitionProbes(COUNT, DIMENSION)).labels,
    );
    expect(meanRecall(found, truth[kind]), `${kind}-like recall@10`).toBeGreaterThanOrEqual(0.98);
  });
});
