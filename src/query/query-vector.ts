import { InputError } from '../errors.js';

/** Checks a raw query vector against the library's dimension and returns it L2-normalized. */
export function normalizeQueryVector(values: ArrayLike<unknown>, dimension: number | null, origin: string): Float32Array {
  if (dimension !== null && values.length !== dimension) {
    throw new InputError(`${origin} has ${values.length} dimensions but the library holds ${dimension}-d embeddings`);
  }
  if (values.length === 0) throw new InputError(`${origin} is empty`);
  const vector = new Float32Array(values.length);
  let norm = 0;
  if (values instanceof Float32Array) {
    // The common library call: monomorphic loops, and only NaN or Infinity to reject.
    for (let i = 0; i < values.length; i++) norm += (values[i] as number) * (values[i] as number);
    if (!Number.isFinite(norm)) throw new InputError(`${origin}: value ${values.findIndex((x) => !Number.isFinite(x))} is not a finite number`);
    if (norm === 0) throw new InputError(`${origin} is a zero vector; it has no direction to search by`);
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < values.length; i++) vector[i] = (values[i] as number) * scale;
    return vector;
  }
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`${origin}: value ${i} is not a finite number (${String(x)})`);
    vector[i] = x;
    norm += x * x;
  }
  if (norm === 0) throw new InputError(`${origin} is a zero vector; it has no direction to search by`);
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}
