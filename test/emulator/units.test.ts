import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../src/emulator/faults.js';
import { fixedClips } from '../../src/emulator/segments.js';
import { tokenize, VectorSpace } from '../../src/emulator/vectors.js';
import { cosine } from '../../src/vector/cosine.js';

describe('vectors', () => {
  it('are unit length, of the model dimension, deterministic per seed and model', () => {
    const a = new VectorSpace(1, 'Marengo-retrieval-2.7', 1024);
    const v = a.text('Hello world');
    expect(v).toHaveLength(1024);
    expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    expect(new VectorSpace(1, 'Marengo-retrieval-2.7', 1024).text('hello, WORLD!')).toEqual(v);
    expect(cosine(new VectorSpace(2, 'Marengo-retrieval-2.7', 1024).text('hello world'), v)).toBeLessThan(0.3);
  });

  it('make texts that share content words closer; stopwords alone do not count', () => {
    const s = new VectorSpace(1, 'marengo3.0', 512);
    expect(tokenize('The Dog and the cat')).toEqual(['dog', 'cat']);
    expect(cosine(s.text('red car'), s.text('a red car parked'))).toBeGreaterThan(0.6);
    expect(Math.abs(cosine(s.text('the red car'), s.text('the blue sky')))).toBeLessThan(0.25);
    const described = s.described('red car', 'clip-1');
    expect(cosine(described, s.text('red car'))).toBeGreaterThan(0.85);
    expect(cosine(described, s.text('red car'))).toBeLessThan(0.999);
  });
});

describe('fixedClips', () => {
  it('covers the range and ends the last clip at the end', () => {
    expect(fixedClips(0, 14, 6)).toEqual([
      { start: 0, end: 6 },
      { start: 6, end: 12 },
      { start: 12, end: 14 },
    ]);
    expect(fixedClips(2, 8, 6)).toEqual([{ start: 2, end: 8 }]);
    expect(fixedClips(0, 0.1, 2)).toEqual([{ start: 0, end: 0.1 }]);
    expect(fixedClips(5, 5, 2)).toEqual([]);
  });
});

describe('FaultInjector', () => {
  it('hits each rate within sampling error', () => {
    const faults = new FaultInjector(1);
    faults.set({ seed: 5, rate_429: 0.25, rate_drop: 0.05 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 10000; i += 1) {
      const kind = faults.decide().kind;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    expect((counts.get('429') ?? 0) / 10000).toBeCloseTo(0.25, 1);
    expect((counts.get('drop') ?? 0) / 10000).toBeGreaterThan(0.035);
    expect((counts.get('drop') ?? 0) / 10000).toBeLessThan(0.065);
    expect(counts.get('5xx')).toBeUndefined();
  });
});
