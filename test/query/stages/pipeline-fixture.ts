import { join } from 'node:path';
import type { VectorIndex } from '../../../src/index/index.js';
import { syncIndex } from '../../../src/library/index-sync.js';
import { LocalSearchStorage } from '../../../src/library/local-search-storage.js';
import {
  DEFAULT_RETRIEVAL_PLAN,
  firstPage,
  type NormalizedSearch,
  type RetrievalPlan,
  type RetrievalStep,
  type SearchContext,
  searchPage,
} from '../../../src/query/index.js';
import type { FactsSource } from '../../../src/query/label-facts.js';
import { SegmentStore } from '../../../src/store/index.js';
import type { JsonlSegment } from '../../helpers/segments.js';
import { createTempLibrary } from '../../helpers/temp-library.js';

export interface PipelineOptions {
  plan?: Partial<RetrievalPlan>;
  wrap?: (index: VectorIndex) => VectorIndex;
  facts?: FactsSource;
}

/** A library of `segments` in `dir`, reopened as a bare store and index, searched through the pipeline's stages. */
export async function pipelineOver(
  dir: string,
  segments: readonly JsonlSegment[],
  kind: 'hnsw' | 'exact',
  model: string,
  options: PipelineOptions = {},
) {
  const { lib } = await createTempLibrary({ work: dir, index: { kind, ef: 200 }, segments, importOptions: { model } });
  await lib.close();
  const store = await SegmentStore.open(join(dir, 'lib'));
  const index = (await syncIndex(store)) as VectorIndex;
  const wrapped = options.wrap?.(index) ?? index;
  const storage = new LocalSearchStorage(store, () => wrapped, options.facts);
  const steps: RetrievalStep[] = [];
  const context: SearchContext = {
    storage,
    embedder: undefined,
    plan: { ...DEFAULT_RETRIEVAL_PLAN, ...options.plan },
    onStep: (step) => steps.push(step),
  };
  return {
    store,
    storage,
    steps,
    /** The first page of `queries` (unit vectors), at the manifest's ef. */
    async search(
      queries: readonly Float32Array[],
      search: NormalizedSearch,
      excluded: ReadonlySet<number> = new Set(),
    ) {
      const snapshot = await storage.snapshot();
      return firstPage(snapshot, { queries, search, excluded, ef: snapshot.manifest.index.ef }, context);
    },
    async searchPage(token: string) {
      return searchPage(await storage.snapshot(), token, context);
    },
    flush: () => storage.pages.flush(),
  };
}
