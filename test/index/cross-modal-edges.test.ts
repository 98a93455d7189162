import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MarengoSpace } from '../../src/bench/marengo-space.js';
import { generateXmodalSet, type XmodalSet } from '../../src/bench/xmodal-generator.js';
import { GraphLevel0 } from '../../src/index/graph-level0.js';
import type { IndexSidecar } from '../../src/index/index.js';
import { ExactIndex, HnswIndex, loadHnswIndex, SIDECAR_FILE, saveHnswIndex } from '../../src/index/index.js';
import { meanRecall } from '../../src/index/recall.js';
import { seededGaussian } from '../../src/random/gaussian.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

const DIM = 64;
const COUNT = 6000;
const TEST_QUERIES = 100;
const TRAINING_QUERIES = 400;
const K = 10;
const EF = 24;
const expected = { dimension: DIM, metric: 'cosine' } as const;

/**
 * A cross-modal space shaped like the one fitted on real Marengo 2.7 vectors (bench/marengo-space.ts
 * at 64-d: mean norms 0.70 and 0.84, 32 components), drawn from a seed so the test needs no
 * shared data: text-like queries sit across a modality gap from the clips they are written for.
 */
function crossModalSpace(seed: number): MarengoSpace {
  const gauss = seededGaussian(seed);
  const unit = (): Float64Array => {
    const v = Float64Array.from({ length: DIM }, () => gauss());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const components = new Float64Array(32 * DIM);
  for (let c = 0; c < 32; c++) components.set(unit(), c * DIM);
  return {
    dimension: DIM,
    videoMean: unit().map((x) => 0.7 * x),
    components,
    deviations: Float64Array.from({ length: 32 }, (_, c) => 0.15 - (0.085 * c) / 31),
    residualDeviation: 0.06,
    textMean: unit().map((x) => 0.84 * x),
    clipNoise: 0.34,
    textTarget: 0.24,
    textNoise: 0.54,
  };
}

const labelOf = (row: number): number => 7000 + row;

describe('cross-modal links projected from training queries (RoarGraph)', () => {
  let set: XmodalSet;
  let dir: string;
  const truth: Uint32Array[] = [];
  const testQuery = (q: number): Float32Array => set.textQueries.subarray(q * DIM, (q + 1) * DIM);
  const training = (): Float32Array => set.textQueries.subarray(TEST_QUERIES * DIM);
  const recall = (index: HnswIndex): number =>
    meanRecall(
      Array.from({ length: TEST_QUERIES }, (_, q) =>
        Uint32Array.from(index.search(testQuery(q), K, { ef: EF }).labels),
      ),
      truth,
    );
  // One insert thread and a seed: the same graph on every run.
  const build = (): HnswIndex => {
    const index = new HnswIndex({ dimension: DIM, M: 16, efConstruction: 100, capacity: COUNT, seed: 5, threads: 1 });
    index.add(
      set.vectors,
      Uint32Array.from({ length: COUNT }, (_, row) => labelOf(row)),
    );
    return index;
  };
  const coverage = { fingerprint: 'sha256:test', files: ['segments/000001.arrow'] };
  const sidecarIn = async (at: string): Promise<IndexSidecar> =>
    JSON.parse(await readFile(join(at, SIDECAR_FILE), 'utf8')) as IndexSidecar;

  const suiteDir = useSuiteTempDir();
  beforeAll(async () => {
    set = generateXmodalSet(crossModalSpace(21), {
      count: COUNT,
      seed: 4,
      textQueries: TEST_QUERIES + TRAINING_QUERIES,
      clipQueries: 1,
    });
    const exact = new ExactIndex(DIM);
    exact.add(
      set.vectors,
      Uint32Array.from({ length: COUNT }, (_, row) => labelOf(row)),
    );
    for (let q = 0; q < TEST_QUERIES; q++) truth.push(exact.search(testQuery(q), K).labels);
    dir = suiteDir();
  });

  it('are written into the saved graph, recorded by its sidecar, there after a reload, and raise held-out text recall', async () => {
    const plain = build();
    const before = recall(plain);
    const linked = build();
    const sidecar = await saveHnswIndex(dir, linked, coverage, { crossModalQueries: training() });
    expect(sidecar.crossModalEdges?.queries).toBe(TRAINING_QUERIES);
    expect(sidecar.crossModalEdges?.links).toBeGreaterThan(TRAINING_QUERIES);
    expect(await sidecarIn(dir)).toMatchObject({ crossModalEdges: sidecar.crossModalEdges });

    // More level-0 links in the file than in the plain graph's, by the count the sidecar gives.
    const plainDir = join(dir, 'plain');
    await saveHnswIndex(plainDir, plain, coverage);
    const linkCount = async (at: string): Promise<number> => {
      const file = await readFile(join(at, (await sidecarIn(at)).graph));
      const graph = new GraphLevel0(Buffer.from(file));
      let total = 0;
      for (let p = 0; p < graph.count; p++) total += graph.links(p).length;
      return total;
    };
    expect((await linkCount(dir)) - (await linkCount(plainDir))).toBe(sidecar.crossModalEdges?.links);

    const loaded = await loadHnswIndex(dir, expected);
    if (loaded === undefined) throw new Error('no index saved');
    expect(loaded.index.crossModalEdges).toEqual(sidecar.crossModalEdges);
    const after = recall(loaded.index);
    // The index that was saved searches with the links too (read back from the file).
    expect(recall(linked)).toBe(after);
    expect(before).toBeLessThan(0.9);
    expect(after).toBeGreaterThan(before + 0.05);
  });

  it('stay recorded when the graph is saved again without training queries', async () => {
    const loaded = await loadHnswIndex(dir, expected);
    if (loaded === undefined) throw new Error('no index saved');
    const record = loaded.index.crossModalEdges;
    expect(record).toBeDefined();
    const again = await saveHnswIndex(dir, loaded.index, coverage);
    expect(again.crossModalEdges).toEqual(record);
    expect((await loadHnswIndex(dir, expected))?.index.crossModalEdges).toEqual(record);
  });
});
