import { describe, expect, it } from 'vitest';
import { loadMarengo27Set } from '../../src/bench/marengo27-set.js';
import { HAS_SHARED_DATA, SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';

sharedDataNote('the real Marengo 2.7 benchmark set');

describe.skipIf(!HAS_SHARED_DATA)('the real Marengo 2.7 benchmark set', () => {
  it('holds out every 4th real vector as a query and adds the 10 real text queries, all unit norm', () => {
    const set = loadMarengo27Set(SHARED_DATA);
    // 360 + 360 YouTube-8M means and 45 x 2 Shorts segments = 810 vectors, 202 held out.
    expect(set.vectors.length / 1024).toBe(608);
    expect(set.queries.length / 1024).toBe(212);
    for (const flat of [set.vectors, set.queries]) {
      for (let row = 0; row < flat.length / 1024; row += 50) {
        let norm = 0;
        for (let j = 0; j < 1024; j++) norm += (flat[row * 1024 + j] as number) ** 2;
        expect(norm).toBeCloseTo(1, 4);
      }
    }
    expect(set.description).toMatch(/608 real Marengo-retrieval-2\.7 vectors/);
  });

  it('explains a data directory without the vectors', () => {
    expect(() => loadMarengo27Set('/nonexistent')).toThrow(/real Marengo 2\.7 vectors are not in \/nonexistent/);
  });
});
