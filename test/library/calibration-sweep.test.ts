import { describe, expect, it } from 'vitest';
import { calibrateRecall } from '../../src/library/calibrate-recall.js';
import type { RecallProbe } from '../../src/library/recall-probe.js';

const DIM = 4;
const SEGMENTS = 100_000;

/**
 * A backend whose search finds the exact top k only from `needed` on (a stand-in for a large
 * library's graph answering text queries), and always for stored rows (in distribution).
 */
function probeNeeding(needed: number): RecallProbe {
  const exact = (k: number): Uint32Array => Uint32Array.from({ length: k }, (_, i) => i);
  return {
    where: 'test',
    dimension: DIM,
    segments: SEGMENTS,
    kind: 'hnsw',
    exactBelow: 2000,
    maxEf: Number.POSITIVE_INFINITY,
    rebuildHint: 'rebuild',
    searchAt: (query, k, ef) =>
      query[0] === 1 || ef >= needed ? exact(k) : Uint32Array.from({ length: k }, (_, i) => 1000 + i),
    exactTopK: (_query, k) => exact(k),
    storedRows: async () => [{ count: 1, labels: Uint32Array.of(5000), vector: () => Float32Array.of(1, 0, 0, 0) }],
  };
}

describe('the calibration sweep', () => {
  it.each([6144, 20191, 32768])(
    'reaches as wide as the default text ef of a large library (a text modality first met at ef %i is stored)',
    async (needed) => {
      const sample = Array.from({ length: 3 }, () => ({
        modality: 'text' as const,
        vector: Float32Array.of(0, 1, 0, 0),
      }));
      const calibration = await calibrateRecall(probeNeeding(needed), 0.99, { sample });
      expect(calibration.unreached.text).toBeUndefined();
      expect(calibration.modalities.text?.ef).toBeGreaterThanOrEqual(needed);
      expect(calibration.modalities.text?.recall).toBe(1);
    },
  );
});
