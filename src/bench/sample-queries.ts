import { InputError } from '../errors.js';
import { seededGaussian } from '../random/gaussian.js';
import { mulberry32 } from '../random/seeded-random.js';
import { writeUnit } from '../vector/normalize.js';

export interface SampleQueriesOptions {
  /** Flat row-major stored vectors, unit norm. */
  vectors: Float32Array;
  dimension: number;
  count: number;
  seed: number;
  /** Norm of the gaussian noise added to each sampled vector before renormalizing (default 0.1: cosine to its source about 0.995). */
  noise?: number;
}

const DEFAULT_QUERY_NOISE = 0.1;

/**
 * Benchmark queries from a library's own vectors: seeded rows (without replacement while
 * rows last), each nudged by seeded noise and renormalized, so that a query has realistic
 * neighbours but is not an exact duplicate of a stored vector (which would flatter recall).
 */
export function sampleQueries(options: SampleQueriesOptions): Float32Array {
  const { vectors, dimension, count, seed } = options;
  const noise = options.noise ?? DEFAULT_QUERY_NOISE;
  const rows = Math.floor(vectors.length / dimension);
  if (rows === 0) throw new InputError('there are no stored vectors to sample queries from');
  if (!Number.isInteger(count) || count < 0)
    throw new InputError(`query count must be a non-negative integer, got ${String(count)}`);
  if (!(noise >= 0)) throw new InputError(`query noise must be a non-negative number, got ${String(noise)}`);

  const pick = mulberry32(seed);
  const gauss = seededGaussian((seed ^ 0x5bd1e995) >>> 0);
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  const sigma = noise / Math.sqrt(dimension);
  const out = new Float32Array(count * dimension);
  for (let q = 0; q < count; q++) {
    // Partial Fisher-Yates: each pass of `rows` queries draws every row once.
    const slot = q % rows;
    const swap = slot + Math.floor(pick() * (rows - slot));
    const row = order[swap] as number;
    order[swap] = order[slot] as number;
    order[slot] = row;

    const src = row * dimension;
    const dst = q * dimension;
    writeUnit(out, dst, dimension, (j) => (vectors[src + j] as number) + sigma * gauss());
  }
  return out;
}
