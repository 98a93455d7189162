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
    // The common library call: one monomorphic loop, and only NaN or Infinity to reject.
    vector.set(values);
    for (let i = 0; i < vector.length; i++) norm += (vector[i] as number) * (vector[i] as number);
    if (!Number.isFinite(norm)) throw new InputError(`${origin}: value ${vector.findIndex((x) => !Number.isFinite(x))} is not a finite number`);
  } else for (let i = 0; i < values.length; i++) {
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
