import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { confidenceOf, normalizeSearch, parseLike } from '../../src/query/index.js';
import { normalizeQueryVector } from '../../src/query/stages/prepare.js';

describe('normalizeSearch', () => {
  it('fills the defaults', () => {
    expect(normalizeSearch({})).toEqual({
      groupBy: 'clip',
      operator: 'or',
      pageLimit: 10,
      minScore: undefined,
      searchOptions: undefined,
      filter: undefined,
      threshold: 'none',
      mergeAdjacent: false,
    });
  });
  it.each([
    [{ pageLimit: 0 }, /page limit must be an integer from 1 to 50/],
    [{ pageLimit: 51 }, /page limit/],
    [{ pageLimit: 2.5 }, /page limit/],
    [{ minScore: 2 }, /`minScore` is a cosine similarity from -1 to 1/],
    [{ searchOptions: ['smell'] }, /unknown search option/],
    [{ searchOptions: [] }, /at least one/],
    [{ threshold: 'certain' as never }, /`threshold` must be one of high, medium, low, none/],
    [{ filter: '{"id": 3}' }, /filter field "id" takes a video id/],
  ])('rejects %j', (request, message) => expect(() => normalizeSearch(request)).toThrow(message));
  it('dedupes search options', () =>
    expect(normalizeSearch({ searchOptions: ['audio', 'audio'] }).searchOptions).toEqual(['audio']));
});

describe('parseLike', () => {
  it('splits on the last @', () => {
    expect(parseLike('a@b.mp4@12.5')).toEqual({ videoId: 'a@b.mp4', seconds: 12.5 });
    expect(parseLike('video')).toEqual({ videoId: 'video', seconds: undefined });
  });
  it('rejects a bad time', () => {
    expect(() => parseLike('v@')).toThrow(/VIDEO_ID@SECONDS/);
    expect(() => parseLike('v@-1')).toThrow(/VIDEO_ID@SECONDS/);
  });
});

describe('confidenceOf', () => {
  it('bands Marengo 2.7 cosine scores', () => {
    expect(confidenceOf(0.37, 'Marengo-retrieval-2.7')).toBe('high');
    expect(confidenceOf(0.2, 'Marengo-retrieval-2.7')).toBe('medium');
    expect(confidenceOf(0.1, 'Marengo-retrieval-2.7')).toBe('low');
  });
});

describe('normalizeQueryVector', () => {
  it('normalizes and checks', () => {
    expect([...normalizeQueryVector([3, 4], 2, 'q')]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(() => normalizeQueryVector([1, 2, 3], 2, 'q')).toThrow(/3 dimensions but the library holds 2-d/);
    expect(() => normalizeQueryVector([1, Number.NaN], 2, 'q')).toThrow(/value 1 is not a finite number/);
    expect(() => normalizeQueryVector([0, 0], 2, 'q')).toThrow(/zero vector/);
  });

  it.each([
    ['a value past float32 (3.5e38)', [3.5e38, 1], /q: value 0 is 3\.5e\+38, outside float32's range/],
    ['1e200', [1, 1e200], /q: value 1 is 1e\+200, outside float32's range/],
    [
      'Infinity in a Float32Array',
      Float32Array.from([1, Number.POSITIVE_INFINITY]),
      /q: value 1 is not a finite number \(Infinity\)/,
    ],
    ['values that are zero in float32 (1e-50)', [1e-50, -1e-50], /q is a zero vector in float32/],
    ['a squared norm that underflows float32 (1e-30)', [1e-30, 1e-30], /q has norm 1\.41e-30, too small for float32/],
    [
      'a squared norm that overflows float32 (1e20)',
      Float32Array.from([1e20, 1e20]),
      /q has norm 1\.41e\+20, too large for float32/,
    ],
  ])('refuses %s', (_name, values, message) => {
    expect(() => normalizeQueryVector(values, 2, 'q')).toThrow(InputError);
    expect(() => normalizeQueryVector(values, 2, 'q')).toThrow(message);
  });

  it('takes values near the edges of float32 that still have a direction', () => {
    const big = normalizeQueryVector([1e19, 1e19], 2, 'q');
    const small = normalizeQueryVector([1e-20, -1e-20], 2, 'q');
    for (const vector of [big, small]) expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
    expect(small[1]).toBeCloseTo(-Math.SQRT1_2, 6);
  });
});
