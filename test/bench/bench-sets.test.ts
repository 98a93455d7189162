import { describe, expect, it } from 'vitest';
import { DEFAULT_SETS, parseBenchSet, parseBenchSets, parseSections, SECTIONS } from '../../src/bench/bench-sets.js';

describe('benchmark sets', () => {
  it('parses the named sizes, plain counts and the real set', () => {
    expect(parseBenchSet('10k-512')).toEqual({
      kind: 'synthetic',
      name: '10k-512',
      count: 10_000,
      dimension: 512,
      queries: 500,
      exactQueries: 200,
    });
    expect(parseBenchSet('100k-1024')).toMatchObject({
      count: 100_000,
      dimension: 1024,
      queries: 200,
      exactQueries: 100,
    });
    expect(parseBenchSet('1M-512')).toMatchObject({ name: '1m-512', count: 1_000_000, queries: 100, exactQueries: 20 });
    expect(parseBenchSet('2500-64')).toMatchObject({ count: 2500, dimension: 64 });
    expect(parseBenchSet('marengo27')).toEqual({ kind: 'real', name: 'marengo27' });
    expect(parseBenchSet('real')).toEqual({ kind: 'real', name: 'marengo27' });
  });

  it('defaults to a run of a few minutes', () => {
    expect([...DEFAULT_SETS]).toEqual(['10k-512', '10k-1024', 'marengo27']);
  });

  it('drops duplicates and refuses unknown names', () => {
    expect(parseBenchSets('10k-512, 10k-512,marengo27').map((spec) => spec.name)).toEqual(['10k-512', 'marengo27']);
    expect(() => parseBenchSet('huge')).toThrow(/unknown benchmark set "huge"/);
    expect(() => parseBenchSet('10-512')).toThrow(/count must be from 100/);
    expect(() => parseBenchSet('10k-1')).toThrow(/dimension must be from 2/);
    expect(() => parseBenchSets(' , ')).toThrow(/--set needs at least one set name/);
  });

  it('selects sections in their run order', () => {
    expect(parseSections(undefined)).toEqual([...SECTIONS]);
    expect(parseSections('arrow,recall')).toEqual(['recall', 'arrow']);
    expect(() => parseSections('recall,speed')).toThrow(/unknown benchmark section "speed"/);
  });
});
