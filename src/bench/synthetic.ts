/** Seeded synthetic embeddings for tests and benchmarks: same seed, same vectors. */

/** mulberry32: a tiny, fast 32-bit PRNG. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a uniform source. */
export function seededGaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

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
  if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
  if (!Number.isInteger(clusters) || clusters < 1) throw new RangeError(`clusters must be a positive integer, got ${clusters}`);

  const centres = new Float32Array(clusters * dimension);
  const centreNoise = seededGaussian(mixSeed(options.seed, 0xc2b2ae35));
  for (let c = 0; c < clusters; c++) fillUnit(centres, c * dimension, dimension, () => centreNoise());

  const out = new Float32Array(count * dimension);
  const gauss = seededGaussian(pointSeed);
  const pick = seededRandom(mixSeed(pointSeed, 0x27d4eb2f));
  // Per-coordinate sigma so the noise vector's norm is about `spread`.
  const sigma = spread / Math.sqrt(dimension);
  for (let i = 0; i < count; i++) {
    const centre = Math.floor(pick() * clusters) * dimension;
    fillUnit(out, i * dimension, dimension, (j) => (centres[centre + j] as number) + sigma * gauss());
  }
  return out;
}

function fillUnit(target: Float32Array, offset: number, dimension: number, value: (j: number) => number): void {
  let norm = 0;
  for (let j = 0; j < dimension; j++) {
    const v = value(j);
    target[offset + j] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < dimension; j++) target[offset + j] = (target[offset + j] as number) * scale;
}

/** Derives independent stream seeds from one user seed (murmur3 finalizer). */
function mixSeed(seed: number, salt: number): number {
  let h = (seed ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
