/**
 * The plainest exact cosine search a JavaScript user would write over unit vectors: one
 * dot product per row and a sorted top-k list. The baseline that "x times faster than a
 * scan" is measured against. Returns row numbers, best first.
 */
export function plainExactScan(vectors: Float32Array, dimension: number, query: Float32Array, k: number): Uint32Array {
  const rows = Math.floor(vectors.length / dimension);
  const limit = Math.min(k, rows);
  const bestRows = new Uint32Array(limit);
  const bestScores = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
  for (let row = 0; row < rows; row++) {
    const offset = row * dimension;
    let score = 0;
    for (let j = 0; j < dimension; j++) score += (query[j] as number) * (vectors[offset + j] as number);
    if (limit === 0 || score <= (bestScores[limit - 1] as number)) continue;
    let at = limit - 1;
    while (at > 0 && score > (bestScores[at - 1] as number)) {
      bestScores[at] = bestScores[at - 1] as number;
      bestRows[at] = bestRows[at - 1] as number;
      at--;
    }
    bestScores[at] = score;
    bestRows[at] = row;
  }
  return bestRows;
}
