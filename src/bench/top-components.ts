/** Top principal components of a small set of rows, by subspace iteration with a Rayleigh-Ritz step. */
import { normalizeInPlace } from '../vector/normalize.js';

export interface Components {
  /** Eigenvalues of the covariance, largest first. */
  variances: Float64Array;
  /** Unit eigenvectors, row-major: component c is `vectors.subarray(c * dimension, (c + 1) * dimension)`. */
  vectors: Float64Array;
  /** Total variance (the covariance's trace): what the components explain a part of. */
  total: number;
}

/**
 * The `count` largest eigenpairs of the covariance of `rows` (already centred by the caller,
 * flat row-major `n x dimension`). Works through the n x n Gram matrix, so its cost is
 * O(n^2 d) once plus O(n^2 count) per iteration: meant for a few hundred real vectors.
 */
export function topComponents(
  rows: Float64Array,
  n: number,
  dimension: number,
  count: number,
  iterations = 200,
): Components {
  if (count < 1 || count > Math.min(n, dimension))
    throw new RangeError(`the number of components must be from 1 to ${Math.min(n, dimension)}, got ${count}`);
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let x = 0; x < dimension; x++)
        sum += (rows[i * dimension + x] as number) * (rows[j * dimension + x] as number);
      gram[i * n + j] = sum / n;
      gram[j * n + i] = sum / n;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += gram[i * n + i] as number;
  const { values, vectors: small } = symmetricTopEigen(gram, n, count, iterations);
  // A Gram eigenvector a (G a = l a, G = X X^T / n) maps to the covariance eigenvector X^T a / sqrt(n l).
  const vectors = new Float64Array(count * dimension);
  for (let c = 0; c < count; c++) {
    const value = values[c] as number;
    const scale = value > 0 ? 1 / Math.sqrt(n * value) : 0;
    for (let i = 0; i < n; i++) {
      const weight = (small[c * n + i] as number) * scale;
      if (weight === 0) continue;
      for (let x = 0; x < dimension; x++)
        vectors[c * dimension + x] =
          (vectors[c * dimension + x] as number) + weight * (rows[i * dimension + x] as number);
    }
  }
  return { variances: values, vectors, total };
}

/** Top `count` eigenpairs of a symmetric positive semi-definite m x m matrix (subspace iteration). */
function symmetricTopEigen(
  matrix: Float64Array,
  m: number,
  count: number,
  iterations: number,
): { values: Float64Array; vectors: Float64Array } {
  // Start from a deterministic, well-spread basis (no seed needed: the answer does not depend on it).
  let basis: Float64Array = new Float64Array(count * m);
  for (let c = 0; c < count; c++)
    for (let i = 0; i < m; i++) basis[c * m + i] = Math.sin((c + 1) * (i + 1) * 0.7071) + (i === c ? 1 : 0);
  orthonormalize(basis, count, m);
  for (let step = 0; step < iterations; step++) {
    basis = multiply(matrix, m, basis, count);
    orthonormalize(basis, count, m);
  }
  // Rayleigh-Ritz: diagonalize the small projected matrix B^T A B.
  const projected = multiply(matrix, m, basis, count);
  const small = new Float64Array(count * count);
  for (let a = 0; a < count; a++)
    for (let b = 0; b < count; b++) {
      let sum = 0;
      for (let i = 0; i < m; i++) sum += (basis[a * m + i] as number) * (projected[b * m + i] as number);
      small[a * count + b] = sum;
    }
  const { values, vectors: rotation } = jacobiEigen(small, count);
  const vectors = new Float64Array(count * m);
  for (let c = 0; c < count; c++)
    for (let a = 0; a < count; a++) {
      const weight = rotation[a * count + c] as number;
      for (let i = 0; i < m; i++)
        vectors[c * m + i] = (vectors[c * m + i] as number) + weight * (basis[a * m + i] as number);
    }
  return { values, vectors };
}

function multiply(matrix: Float64Array, m: number, basis: Float64Array, count: number): Float64Array {
  const out = new Float64Array(count * m);
  for (let c = 0; c < count; c++)
    for (let i = 0; i < m; i++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += (matrix[i * m + j] as number) * (basis[c * m + j] as number);
      out[c * m + i] = sum;
    }
  return out;
}

/** Modified Gram-Schmidt over `count` rows of length m, in place. */
export function orthonormalize(rows: Float64Array, count: number, m: number): void {
  for (let c = 0; c < count; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += (rows[c * m + i] as number) * (rows[p * m + i] as number);
      for (let i = 0; i < m; i++) rows[c * m + i] = (rows[c * m + i] as number) - dot * (rows[p * m + i] as number);
    }
    normalizeInPlace(rows, c * m, m);
  }
}

/** Cyclic Jacobi on a small symmetric matrix: eigenvalues descending, eigenvectors as columns (row-major). */
function jacobiEigen(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => (a[y * n + y] as number) - (a[x * n + x] as number),
  );
  const values = Float64Array.from(order, (i) => a[i * n + i] as number);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from] as number;
  });
  return { values, vectors };
}
