import { describe, expect, it } from 'vitest';
import { normalizeInPlace, unitCopy, unitRows, writeUnit } from '../../src/vector/normalize.js';

function norm(values: ArrayLike<number>, offset: number, length: number): number {
  let sum = 0;
  for (let i = offset; i < offset + length; i++) sum += (values[i] as number) ** 2;
  return Math.sqrt(sum);
}

describe('normalize', () => {
  it('scales only the named range to unit length and leaves a zero range zero', () => {
    const values = [9, 3, 4, 0, 0, 7];
    normalizeInPlace(values, 1, 2);
    expect(values).toEqual([9, 0.6000000000000001, 0.8, 0, 0, 7]);
    normalizeInPlace(values, 3, 2);
    expect(values.slice(3, 5)).toEqual([0, 0]);
  });

  it('copies without touching the input', () => {
    const input = Float32Array.of(3, 4);
    const unit = unitCopy(input);
    expect(Array.from(input)).toEqual([3, 4]);
    expect(unit).toBeInstanceOf(Float32Array);
    expect(norm(unit, 0, 2)).toBeCloseTo(1, 6);
  });

  it('normalises each row of a flat array on its own', () => {
    const rows = unitRows(Float64Array.of(3, 4, 0, 0, 0, 2), 2);
    expect(Array.from(rows)).toEqual([0.6000000000000001, 0.8, 0, 0, 0, 1]);
  });

  it('writeUnit sums the values as computed, before float32 rounds them', () => {
    const values = [0.1, 0.2, 0.3];
    const target = new Float32Array(3);
    writeUnit(target, 0, 3, (i) => values[i] as number);
    const scale = 1 / Math.sqrt(0.1 * 0.1 + 0.2 * 0.2 + 0.3 * 0.3);
    expect(Array.from(target)).toEqual(values.map((v) => Math.fround(Math.fround(v) * scale)));
  });
});
