import { InputError } from '../errors.js';

/** Mean over queries of the share of each true top-k that was found. A query with an empty truth counts as 1. */
export function meanRecall(found: readonly Uint32Array[], truth: readonly Uint32Array[]): number {
  if (found.length !== truth.length)
    throw new InputError(`${found.length} results for ${truth.length} ground-truth rows`);
  if (truth.length === 0) return Number.NaN;
  let total = 0;
  for (let q = 0; q < truth.length; q++) {
    const expected = truth[q] as Uint32Array;
    if (expected.length === 0) {
      total += 1;
      continue;
    }
    const wanted = new Set(expected);
    let hits = 0;
    for (const label of found[q] as Uint32Array) if (wanted.delete(label)) hits++;
    total += hits / expected.length;
  }
  return total / truth.length;
}
