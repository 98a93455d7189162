import { describe, expect, it } from 'vitest';
import { cosine } from '../../src/vector/cosine.js';

describe('cosine', () => {
  it('is the dot product of the unit vectors, whatever their lengths or array types', () => {
    expect(cosine([3, 4], [6, 8])).toBeCloseTo(1, 12);
    expect(cosine(Float32Array.of(1, 0), Float64Array.of(0, 5))).toBe(0);
    expect(cosine([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    expect(cosine([1, 2], [2, 1])).toBeCloseTo(0.8, 12);
  });

  it('is 0 for a zero vector, which has no direction', () => {
    expect(cosine([0, 0], [1, 2])).toBe(0);
    expect(cosine([1, 2], Float32Array.of(0, 0))).toBe(0);
  });
});
