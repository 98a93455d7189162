import { describe, expect, it } from 'vitest';
import { loadUsearch, rowsOfKeys } from '../../src/bench/usearch-peer.js';

describe('usearch as an optional peer', () => {
  const load = loadUsearch();

  it('loads, or says why not instead of throwing', () => {
    if ('missing' in load) expect(load.missing).toMatch(/not installed|without the expected/);
    else expect(load.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.skipIf('missing' in load)('searches through the typed surface the benchmarks use', () => {
    if (!('module' in load)) return;
    const { Index, exactSearch } = load.module;
    const vectors = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.6, 0.8, 0]);
    const index = new Index({
      dimensions: 3,
      metric: 'cos',
      quantization: 'f32',
      connectivity: 4,
      expansion_add: 8,
      expansion_search: 8,
      multi: false,
    });
    index.add(BigUint64Array.from([0n, 1n, 2n, 3n]), vectors, 1);
    expect(index.size()).toBe(4);
    const query = new Float32Array([0.5, 0.9, 0]);
    expect(Array.from(rowsOfKeys(index.search(query, 2, 1).keys))).toEqual([3, 1]);
    expect(Array.from(rowsOfKeys(exactSearch(vectors, query, 3, 2, 'cos', 1).keys))).toEqual([3, 1]);
  });
});
