/** Standard normal draws (Box-Muller) over the seeded generators; each keeps its stored stream. */
import { mulberry32, type Random } from './seeded-random.js';

/** Both values of each Box-Muller pair, over mulberry32(seed): the bench sets' noise. */
export function seededGaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
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

/** One draw (the cosine half of a pair) from `random`: the emulator's vectors. */
export function gaussian(random: Random): number {
  let u = random();
  while (u <= Number.EPSILON) u = random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
