import { describe, expect, it } from 'vitest';
import { isXmodalSet, parseXmodalSet } from '../../src/bench/xmodal-set.js';
import { InputError } from '../../src/errors.js';

describe('cross-modal benchmark set names', () => {
  it.each([
    ['xmodal-200k-1024', 200_000, 1024, 300],
    ['xmodal-1m-512', 1_000_000, 512, 200],
    ['XMODAL-100k-1024', 100_000, 1024, 300],
    ['xmodal-20000-256', 20_000, 256, 300],
  ])('%s is %i x %i with %i queries of each kind', (name, count, dimension, queries) => {
    expect(parseXmodalSet(name)).toMatchObject({ count, dimension, queries });
    expect(isXmodalSet(name)).toBe(true);
  });

  it.each(['xmodal-200k', 'xmodal-10-1024', 'xmodal-200k-8', '200k-1024'])(
    'refuses %s with an InputError naming the form',
    (name) => {
      expect(() => parseXmodalSet(name)).toThrow(InputError);
      expect(() => parseXmodalSet(name)).toThrow(/xmodal-<size>-<dimension>|count must be|dimension must be/);
    },
  );
});

describe('suite results name the query kind of every recall figure', () => {
  it('calls synthetic sets clip-like and the real Marengo set mixed', async () => {
    const { queryKindOf } = await import('../../src/bench/results-markdown.js');
    expect(queryKindOf('100k-1024')).toMatch(/^clip-like queries \(in distribution/);
    expect(queryKindOf('marengo27')).toMatch(/mixed kind.*real text queries, cross-modal/);
  });
});
