import { describe, expect, it } from 'vitest';
import { PageTokenError } from '../../src/query/index.js';
import {
  compileSearchFilter,
  type FilterSubject,
  filenameOf,
  parseSearchFilter,
} from '../../src/query/search-filter.js';
import { decodePageToken, encodePageToken } from '../../src/query/search-pipeline.js';

const subject: FilterSubject = {
  videoId: 'cats.mp4',
  durationSec: 95.5,
  filename: 'cats.mp4',
  metadata: { collection: 'nature', year: 2019, reviewed: true, tags: ['a', 'b'] },
};
const matches = (filter: unknown): boolean => compileSearchFilter(parseSearchFilter(filter))(subject);

describe('search filter', () => {
  it.each([
    [{}, true],
    [{ id: 'cats.mp4' }, true],
    [{ id: ['dogs.mp4', 'cats.mp4'] }, true],
    [{ id: ['dogs.mp4'] }, false],
    [{ duration: 95.5 }, true],
    [{ duration: 95 }, false],
    [{ duration: { gte: 90 } }, true],
    [{ duration: { lte: 95.5 } }, true],
    [{ duration: { gte: 96, lte: 120 } }, false],
    [{ filename: 'cats.mp4' }, true],
    [{ filename: 'cats' }, false],
    [{ collection: 'nature' }, true],
    [{ collection: 'Nature' }, false],
    [{ year: 2019 }, true],
    [{ year: '2019' }, false],
    [{ year: { gte: 2010, lte: 2019 } }, true],
    [{ year: { gte: 2020 } }, false],
    [{ collection: { gte: 1 } }, false],
    [{ reviewed: true }, true],
    [{ reviewed: false }, false],
    [{ collection: ['city', 'nature'] }, true],
    [{ missing: 'x' }, false],
    [{ collection: 'nature', year: { gte: 2020 } }, false],
    ['{"collection": "nature", "duration": {"gte": 60}}', true],
  ])('%j -> %s', (filter, expected) => expect(matches(filter)).toBe(expected));

  it('names the wrong field and what it takes', () => {
    expect(() => parseSearchFilter({ duration: { between: [1, 2] } })).toThrow(
      /filter field "duration": unknown operator\(s\) between; the filter knows gte and lte/,
    );
    expect(() => parseSearchFilter({ year: null })).toThrow(/filter field "year" takes a number or/);
    expect(() => parseSearchFilter(null)).toThrow(/the filter must be a JSON object/);
    expect(() => parseSearchFilter('"text"')).toThrow(/the filter must be a JSON object/);
  });

  it('takes the base name of paths and URLs', () => {
    expect(filenameOf('/media/a/cats.mp4')).toBe('cats.mp4');
    expect(filenameOf('C:\\media\\cats.mp4')).toBe('cats.mp4');
    expect(filenameOf('https://cdn.example.com/v/cats.mp4?sig=1#t=3')).toBe('cats.mp4');
    expect(filenameOf('cats.mp4')).toBe('cats.mp4');
  });
});

describe('page tokens', () => {
  it('round-trip and stay opaque', () => {
    const token = encodePageToken({ recordId: '0123456789abcdef01234567', page: 3 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('0123456789abcdef');
    expect(decodePageToken(token)).toEqual({ recordId: '0123456789abcdef01234567', page: 3 });
  });

  it.each(['', 'x', 'bm90LWEtdG9rZW4', Buffer.from('0123456789abcdef01234567-0').toString('base64url'), 'a b'])(
    'rejects %j with the API code',
    (token) => {
      expect(() => decodePageToken(token)).toThrow(PageTokenError);
      expect(() => decodePageToken(token)).toThrow(/^search_page_token_expired: .*invalid/);
    },
  );
});

describe('search filter limits', () => {
  const deep = (depth: number): string => `{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`;

  it('refuses a filter nested past 32 levels, as text or as an object, without overflowing the stack', () => {
    expect(() => parseSearchFilter(deep(10_000))).toThrow(/the filter nests deeper than 32 levels/);
    expect(() => parseSearchFilter(JSON.parse(deep(10_000)))).toThrow(/the filter nests deeper than 32 levels/);
    expect(() => parseSearchFilter(deep(33))).toThrow(/nests deeper than 32 levels/);
    // 32 levels pass the limit and reach the filter's own checks.
    expect(() => parseSearchFilter(deep(32))).toThrow(/filter field "a": an array means "any of"/);
  });

  it('refuses a filter over 64 KiB before parsing it', () => {
    const big = JSON.stringify({ id: Array.from({ length: 100_000 }, (_, i) => `video-${i}`) });
    expect(() => parseSearchFilter(big)).toThrow(/the filter is \d+ bytes; the limit for JSON input is 65536 bytes/);
    expect(() => parseSearchFilter(JSON.parse(big))).toThrow(/the limit for JSON input is 65536 bytes/);
  });
});
