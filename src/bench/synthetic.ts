/** Seeded synthetic embeddings for tests and benchmarks: same seed, same vectors. */
import { seededGaussian } from '../random/gaussian.js';
import { mulberry32 } from '../random/seeded-random.js';
import { writeUnit } from '../vector/normalize.js';

export interface SyntheticOptions {
  count: number;
  dimension: number;
  seed: number;
  /** Number of gaussian clusters (default 64). Does not depend on count, so queries share the data's clusters. */
  clusters?: number;
  /** Norm of the noise around a unit cluster centre, relative to it (default 1: cosine to the centre about 0.7). */
  spread?: number;
}

const DEFAULT_CLUSTERS = 64;

/**
 * `count` unit vectors, flat row-major, drawn around `clusters` random centres: closer
 * to real embeddings (videos of one topic sit together) than uniform noise on the sphere.
 */
export function syntheticVectors(options: SyntheticOptions): Float32Array {
  return sample(options, mixSeed(options.seed, 0x9e3779b9));
}

/**
 * Query vectors from the same clusters as `syntheticVectors(options)` with the same
 * seed, dimension, clusters and spread, but distinct points (a different stream).
 */
export function syntheticQueries(options: SyntheticOptions & { querySeed?: number }): Float32Array {
  return sample(options, mixSeed(options.querySeed ?? options.seed + 1, 0x85ebca6b));
}

function sample(options: SyntheticOptions, pointSeed: number): Float32Array {
  const { count, dimension } = options;
  const clusters = options.clusters ?? DEFAULT_CLUSTERS;
  const spread = options.spread ?? 1;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(dimension) || dimension < 1)
    throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
  if (!Number.isInteger(clusters) || clusters < 1)
    throw new RangeError(`clusters must be a positive integer, got ${clusters}`);

  const centres = new Float32Array(clusters * dimension);
  const centreNoise = seededGaussian(mixSeed(options.seed, 0xc2b2ae35));
  for (let c = 0; c < clusters; c++) writeUnit(centres, c * dimension, dimension, () => centreNoise());

  const out = new Float32Array(count * dimension);
  const gauss = seededGaussian(pointSeed);
  const pick = mulberry32(mixSeed(pointSeed, 0x27d4eb2f));
  // Per-coordinate sigma so the noise vector's norm is about `spread`.
  const sigma = spread / Math.sqrt(dimension);
  for (let i = 0; i < count; i++) {
    const centre = Math.floor(pick() * clusters) * dimension;
    writeUnit(out, i * dimension, dimension, (j) => (centres[centre + j] as number) + sigma * gauss());
  }
  return out;
}

/** Derives independent stream seeds from one user seed (murmur3 finalizer). */
function mixSeed(seed: number, salt: number): number {
  let h = (seed ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
