// One ef of a probe's sweep: every graph searched for each query in turn (rotating which goes
// first), so the machine's load falls on all of them alike.
/** @returns {{ found: Uint32Array[][], times: Float64Array[] }} per graph: labels and microseconds per query */
export function interleavedSweep(graphs, queryOf, queries, k, ef) {
  const found = graphs.map(() => []);
  const times = graphs.map(() => new Float64Array(queries));
  for (let q = 0; q < queries; q++) {
    const query = queryOf(q);
    for (let j = 0; j < graphs.length; j++) {
      const r = (q + j) % graphs.length;
      const start = process.hrtime.bigint();
      const got = graphs[r].index.search(query, k, { ef }).labels;
      times[r][q] = Number(process.hrtime.bigint() - start) / 1e3;
      found[r][q] = Uint32Array.from(got);
    }
  }
  return { found, times };
}
