import type { SegmentStore } from '../store/index.js';
import { QueryCache } from '../store/query-cache.js';
import { isCrossModal } from '../store/search-ef.js';
import { cachedCalibrationQueries } from './cached-queries.js';
import type { CrossModalLinks } from './index-sync.js';

/**
 * The library's cached text, image and audio query embeddings of its model, as the training
 * queries of its graph's cross-modal links: what users asked is what the links serve.
 */
export function cachedCrossModalLinks(store: SegmentStore, asked: boolean): CrossModalLinks {
  return {
    asked,
    async queries() {
      const { model, dimension } = store.manifest;
      if (dimension === null) return new Float32Array(0);
      const { queries } = await cachedCalibrationQueries(new QueryCache(store.dir), model, dimension);
      const chosen = queries.filter((query) => isCrossModal(query.modality));
      const flat = new Float32Array(chosen.length * dimension);
      chosen.forEach((query, i) => flat.set(query.vector, i * dimension));
      return flat;
    },
  };
}
