import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotations/annotation.js';
import { LexicalIndex } from '../../src/lexical/lexical-index.js';

const a = (videoId: string, start: number, text: string): Annotation => ({
  videoId,
  start,
  end: start + 3,
  definition: 'subtitle',
  fields: {},
  text,
  source: 'subtitle',
});

describe('LexicalIndex (BM25)', () => {
  const rows = [
    a('v1', 0, 'The sailor eats his spinach'),
    a('v2', 5, "Un café crème, s'il vous plaît"),
    a('v3', 9, "Sinbad's whale is an island"),
    a('v4', 2, 'nothing to see here'),
  ];
  const index = new LexicalIndex(rows);

  it('folds case and accents on both sides', () => {
    expect(index.search('CAFE creme', 5)[0]?.annotation).toBe(rows[1]);
    expect(index.search('spínach', 5)[0]?.annotation).toBe(rows[0]);
  });

  it('matches a possessive to its word and ranks the annotation with more query terms first', () => {
    const hits = index.search('sinbad whale sailor', 5);
    expect(hits.map((h) => h.annotation.videoId)).toEqual(['v3', 'v1']);
    expect(hits[0]?.matched).toBeCloseTo(2 / 3);
  });

  it('finds nothing for stop words alone or unknown words', () => {
    expect(index.search('the is an', 5)).toEqual([]);
    expect(index.search('zebra', 5)).toEqual([]);
  });
});
