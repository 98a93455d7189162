import { gaussian } from '../random/gaussian.js';
import { sfc32FromKey } from '../random/seeded-random.js';

/**
 * Deterministic stand-in embeddings. Text: the normalized sum of seeded per-word vectors, so
 * texts that share words are close. Media described by a scenario: the text vector of the
 * description plus a little seeded noise. Anything else: a seeded random unit vector.
 * The model name is part of every seed, so two models' spaces are unrelated.
 */

// Words that would make every pair of English sentences look alike.
const STOPWORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'and',
  'or',
  'in',
  'on',
  'at',
  'to',
  'is',
  'are',
  'with',
  'for',
  'by',
  'from',
  'it',
  'its',
  'this',
  'that',
]);

/** Relative size of the noise added to a described segment (0 = the description's vector itself). */
const DESCRIBED_NOISE = 0.35;

export function tokenize(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const content = words.filter((word) => !STOPWORDS.has(word));
  return content.length > 0 ? content : words;
}

export function normalize(vector: ArrayLike<number>): number[] {
  let sum = 0;
  for (let i = 0; i < vector.length; i += 1) sum += (vector[i] ?? 0) ** 2;
  const norm = Math.sqrt(sum);
  const out = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i += 1) out[i] = norm === 0 ? 0 : (vector[i] ?? 0) / norm;
  return out;
}

/** Mean of unit vectors, renormalized: used for fused and whole-asset embeddings. */
export function meanVector(vectors: readonly (readonly number[])[], dimension: number): number[] {
  const sum = new Float64Array(dimension);
  for (const vector of vectors) for (let i = 0; i < dimension; i += 1) sum[i] = (sum[i] ?? 0) + (vector[i] ?? 0);
  return normalize(sum);
}

export class VectorSpace {
  private readonly words = new Map<string, Float64Array>();

  constructor(
    readonly seed: number,
    readonly model: string,
    readonly dimension: number,
  ) {}

  /** A seeded Gaussian direction (not normalized) for any key in this model's space. */
  private direction(key: string): Float64Array {
    const random = sfc32FromKey(`${this.seed}\u0000${this.model}\u0000${key}`);
    const out = new Float64Array(this.dimension);
    for (let i = 0; i < this.dimension; i += 1) out[i] = gaussian(random);
    return out;
  }

  private word(word: string): Float64Array {
    let vector = this.words.get(word);
    if (vector === undefined) {
      vector = Float64Array.from(normalize(this.direction(`word:${word}`)));
      this.words.set(word, vector);
    }
    return vector;
  }

  text(text: string): number[] {
    const tokens = tokenize(text);
    if (tokens.length === 0) return normalize(this.direction(`text:${text}`));
    const sum = new Float64Array(this.dimension);
    for (const token of tokens) {
      const vector = this.word(token);
      for (let i = 0; i < this.dimension; i += 1) sum[i] = (sum[i] ?? 0) + (vector[i] ?? 0);
    }
    return normalize(sum);
  }

  /** A random unit vector for content nothing describes (seeded by content key and segment). */
  random(key: string): number[] {
    return normalize(this.direction(`random:${key}`));
  }

  /** The description's text vector plus seeded noise of relative size `noise`, renormalized. */
  described(description: string, noiseKey: string, noise = DESCRIBED_NOISE): number[] {
    const base = this.text(description);
    const jitter = normalize(this.direction(`noise:${noiseKey}`));
    return normalize(base.map((value, i) => value + noise * (jitter[i] ?? 0)));
  }
}
