import { describe, expect, it } from 'vitest';
import { type Annotation, overlaps } from '../../src/annotations/annotation.js';
import { AnnotationSet } from '../../src/lexical/annotation-set.js';
import { mulberry32 } from '../../src/random/seeded-random.js';

const note = (videoId: string, start: number, end: number, text: string): Annotation => ({
  videoId,
  start,
  end,
  definition: 'subtitle',
  fields: {},
  text,
  source: 'subtitle',
});

describe('AnnotationSet', () => {
  it('finds what a scan of every annotation finds, by start, file order among equal starts', () => {
    const random = mulberry32(12);
    const whole = (n: number): number => Math.floor(random() * n);
    const all: Annotation[] = [];
    for (let i = 0; i < 400; i++) {
      const start = whole(60);
      // Zero-length spans, long nested ones and short ones.
      const length = i % 7 === 0 ? 0 : i % 11 === 0 ? 40 : whole(6);
      all.push(note(`v${whole(3)}`, start, start + length, `note ${i}`));
    }
    const set = new AnnotationSet(all);
    for (let q = 0; q < 300; q++) {
      const video = `v${whole(4)}`;
      const start = whole(70);
      const end = q % 5 === 0 ? start : start + whole(8);
      const scanned = all
        .filter((a) => a.videoId === video && overlaps(start, end, a.start, a.end))
        .sort((a, b) => a.start - b.start);
      expect(set.overlapping(video, start, end)).toEqual(scanned);
    }
  });

  it('builds its lexical index once and shares it', () => {
    const set = new AnnotationSet([note('a', 0, 2, 'the whale island'), note('b', 1, 3, 'spinach')]);
    const index = set.lexical();
    expect(set.lexical()).toBe(index);
    expect(index.search('whale', 5).map((hit) => hit.annotation.videoId)).toEqual(['a']);
  });
});
