/**
 * Two projections of a unit vector on fixed pseudo-random sign vectors: cheap to keep for
 * every label, equal (to float32 rounding) for two copies of one vector, and far apart for
 * unrelated vectors. Doctor compares the graph's copy of each vector with the store's by them.
 */
export const SKETCH_WIDTH = 2;
/** Copies of one unit vector agree to about 1e-6 (hnswlib normalizes again in float32); unrelated ones differ by about 1/sqrt(width). */
export const SKETCH_TOLERANCE = 1e-3;

export function writeSketch(
  vector: ArrayLike<number>,
  offset: number,
  dimension: number,
  into: Float64Array,
  at: number,
): void {
  let a = 0;
  let b = 0;
  let state = 0x9e3779b9;
  for (let j = 0; j < dimension; j++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const v = vector[offset + j] as number;
    a += state & 1 ? v : -v;
    b += state & 2 ? v : -v;
  }
  into[at] = a;
  into[at + 1] = b;
}
