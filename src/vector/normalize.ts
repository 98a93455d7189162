/**
 * L2 normalisation, the one copy. A zero vector stays zero (it has no direction); callers that
 * must refuse one check first (float32-vector.ts does, for imports and queries).
 */
type Numbers = Float32Array | Float64Array | number[];

/** Scales `values[offset, offset + length)` to unit length in place. */
export function normalizeInPlace(values: Numbers, offset = 0, length = values.length - offset): void {
  let norm = 0;
  for (let i = offset; i < offset + length; i++) norm += (values[i] as number) * (values[i] as number);
  scaleRange(values, offset, length, norm);
}

/**
 * Writes `value(0..length-1)` at `offset` and scales them to unit length. The norm sums the
 * values as computed, before a Float32Array rounds them: seeded sets keep the vectors they had.
 */
export function writeUnit(
  target: Float32Array | Float64Array,
  offset: number,
  length: number,
  value: (i: number) => number,
): void {
  let norm = 0;
  for (let i = 0; i < length; i++) {
    const v = value(i);
    target[offset + i] = v;
    norm += v * v;
  }
  scaleRange(target, offset, length, norm);
}

/** A unit-length copy of `vector`. */
export function unitCopy<T extends Float32Array | Float64Array>(vector: T): T {
  const out = vector.slice() as T;
  normalizeInPlace(out);
  return out;
}

/** A copy of the row-major `rows` with each row of `dimension` values at unit length. */
export function unitRows<T extends Float32Array | Float64Array>(rows: T, dimension: number): T {
  const out = rows.slice() as T;
  for (let offset = 0; offset < out.length; offset += dimension) normalizeInPlace(out, offset, dimension);
  return out;
}

function scaleRange(values: Numbers, offset: number, length: number, squaredNorm: number): void {
  const scale = squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 0;
  for (let i = offset; i < offset + length; i++) values[i] = (values[i] as number) * scale;
}
