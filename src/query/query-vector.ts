import { InputError } from '../errors.js';
import { writeUnitFloat32 } from '../float32-vector.js';

/**
 * Checks a raw query vector against the library's dimension and float32's range (values,
 * and a squared norm that neither underflows nor overflows) and returns it L2-normalized.
 */
export function normalizeQueryVector(
  values: ArrayLike<unknown>,
  dimension: number | null,
  origin: string,
): Float32Array {
  if (dimension !== null && values.length !== dimension) {
    throw new InputError(`${origin} has ${values.length} dimensions but the library holds ${dimension}-d embeddings`);
  }
  if (values.length === 0) throw new InputError(`${origin} is empty`);
  const vector = new Float32Array(values.length);
  writeUnitFloat32(values, { value: (i) => `${origin}: value ${i}`, vector: origin }, vector, 0, (reason) => {
    throw new InputError(reason);
  });
  return vector;
}
