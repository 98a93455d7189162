// The vectors and queries of one benchmark set: seeded clustered synthetic ones, or the
// real Marengo 2.7 vectors of ../shared/data.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadMarengo27Set } from '../../dist/bench/marengo27-set.js';
import { syntheticQueries, syntheticVectors } from '../../dist/bench/synthetic.js';

export const SHARED_DATA =
  process.env.VSEARCH_SHARED_DATA ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const CLUSTERS = 64;
const SEED = 1;

/** { vectors, queries, dimension, count, queryCount, exactQueries, model, description } or { missing } */
export function setData(spec) {
  if (spec.kind === 'real') {
    if (!existsSync(SHARED_DATA)) return { missing: `${SHARED_DATA} is absent` };
    const real = loadMarengo27Set(SHARED_DATA);
    const count = real.vectors.length / real.dimension;
    const queryCount = real.queries.length / real.dimension;
    return { ...real, count, queryCount, exactQueries: queryCount, model: 'Marengo-retrieval-2.7' };
  }
  const shape = { dimension: spec.dimension, seed: SEED, clusters: CLUSTERS };
  return {
    vectors: syntheticVectors({ ...shape, count: spec.count }),
    queries: syntheticQueries({ ...shape, count: spec.queries }),
    dimension: spec.dimension,
    count: spec.count,
    queryCount: spec.queries,
    exactQueries: spec.exactQueries,
    model:
      spec.dimension === 1024
        ? 'Marengo-retrieval-2.7'
        : spec.dimension === 512
          ? 'marengo3.0'
          : `synthetic-${spec.dimension}`,
    description: `${spec.count} seeded synthetic unit vectors of ${spec.dimension}-d around ${CLUSTERS} gaussian clusters (seed ${SEED}); ${spec.queries} queries from the same clusters (not in the library)`,
  };
}

/** The cross-modal set `spec` (parseXmodalSet) with `queries` text-like and clip-like queries, from the Marengo fit of the shared data (seed 1). */
export async function sharedXmodalSet(spec, queries) {
  const [{ fitMarengo }, { marengoSpace }, { generateXmodalSet }] = await Promise.all([
    import('../../dist/bench/fit-marengo.js'),
    import('../../dist/bench/marengo-space.js'),
    import('../../dist/bench/xmodal-generator.js'),
  ]);
  const { model } = fitMarengo(SHARED_DATA);
  return generateXmodalSet(marengoSpace(model, spec.dimension), {
    count: spec.count,
    seed: 1,
    textQueries: queries,
    clipQueries: queries,
  });
}
