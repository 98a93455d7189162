/**
 * Embeddings are stored and searched as float32. A value past float32's range would become
 * Infinity there (and a unit vector of it zeros or NaN), and a vector whose squared norm is
 * not a finite non-zero float32 has no direction a float32 kernel can compute: both are
 * refused here, once, for imports and queries alike.
 */
const FLOAT32_MAX = 3.4028234663852886e38;

/** What one vector's check reports: the first problem, phrased for the caller's message. */
export type Fail = (reason: string) => never;

/** How messages name the vector and its values: "embedding value 3" and "the embedding". */
export interface VectorNames {
  value: (index: number) => string;
  vector: string;
}

function shown(value: unknown): string {
  const text = String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * Writes `values` as a unit float32 vector into `out` at `offset` (length `values.length`),
 * or calls `fail` with what is wrong: a value that is not a finite number, one past float32's
 * range, a zero vector, or a squared norm that underflows or overflows float32.
 */
export function writeUnitFloat32(
  values: ArrayLike<unknown>,
  names: VectorNames,
  out: Float32Array,
  offset: number,
  fail: Fail,
): void {
  const length = values.length;
  let sumOfSquares = 0;
  for (let i = 0; i < length; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      return fail(`${names.value(i)} is not a finite number (${shown(x)})`);
    const f = Math.fround(x);
    if (!Number.isFinite(f))
      return fail(
        `${names.value(i)} is ${String(x)}, outside float32's range (|x| <= ${FLOAT32_MAX}); embeddings are stored as float32`,
      );
    out[offset + i] = f;
    sumOfSquares += f * f;
  }
  if (sumOfSquares === 0)
    return fail(`${names.vector} is a zero vector in float32; it has no direction to compare by cosine`);
  const squared = Math.fround(sumOfSquares);
  if (squared === 0) {
    return fail(
      `${names.vector} has norm ${Math.sqrt(sumOfSquares).toPrecision(3)}, too small for float32 (its squared norm underflows to 0, so its direction cannot be computed); rescale it`,
    );
  }
  if (!Number.isFinite(squared)) {
    return fail(
      `${names.vector} has norm ${Math.sqrt(sumOfSquares).toPrecision(3)}, too large for float32 (its squared norm overflows float32's range); rescale it`,
    );
  }
  const scale = 1 / Math.sqrt(sumOfSquares);
  for (let i = 0; i < length; i++) out[offset + i] = (out[offset + i] as number) * scale;
}
