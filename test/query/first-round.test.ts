import { describe, expect, it } from 'vitest';
import { normalizeQueryVector, normalizeSearch } from '../../src/query/index.js';
import { clipSegments, testVector } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { pipelineOver } from './stages/pipeline-fixture.js';

const tempDir = useTempDirs();
const DIM = 16;
const SEGMENTS = Array.from({ length: 40 }, (_, v) => clipSegments(`v${v}`, 15, DIM, v + 1)).flat();
const FORCE_ANN = { exactPoolMin: 0, exactPoolFraction: 0 };

async function engines() {
  const engine = await pipelineOver(await tempDir(), SEGMENTS, 'hnsw', 'custom-16', { plan: FORCE_ANN });
  return { engine, steps: engine.steps };
}

describe('the plain first page', () => {
  it('gives the page, total and next page the general path gives', async () => {
    const { engine, steps } = await engines();
    for (const seed of [3, 77, 1234]) {
      const query = normalizeQueryVector(testVector(DIM, seed), DIM, 'q');
      for (const pageLimit of [1, 10, 25]) {
        steps.length = 0;
        const plain = await engine.search([query], normalizeSearch({ pageLimit }));
        const plainSteps = steps.splice(0);
        // An exclusion of a label the store lacks changes nothing but takes the general path.
        const general = await engine.search([query], normalizeSearch({ pageLimit }), new Set([10_000_000]));
        expect(plain.data).toEqual(general.data);
        expect(plain.page_info.total_results).toBe(general.page_info.total_results);
        expect(plainSteps).toEqual(steps.slice(0, plainSteps.length));
        const token = plain.page_info.next_page_token;
        expect(token).toBeDefined();
        const second = await engine.searchPage(token ?? '');
        const generalSecond = await engine.searchPage(general.page_info.next_page_token ?? '');
        expect(second.data).toEqual(generalSecond.data);
      }
    }
    await engine.flush();
  });
});

describe('scoring with the index copies', () => {
  it('answers several queries without reading the store vectors, as it does with them', async () => {
    const { engine } = await engines();
    const queries = [
      normalizeQueryVector(testVector(DIM, 5), DIM, 'a'),
      normalizeQueryVector(testVector(DIM, 6), DIM, 'b'),
    ];
    const search = normalizeSearch({ pageLimit: 20 });
    const fromIndex = await engine.search(queries, search);
    const snapshot = await engine.storage.snapshot();
    expect(snapshot.loadedVectors()).toBeUndefined();
    await snapshot.vectors();
    const fromStore = await engine.search(queries, search);
    expect(fromIndex.data.map((hit) => [hit.video_id, hit.start])).toEqual(
      fromStore.data.map((hit) => [hit.video_id, hit.start]),
    );
    fromIndex.data.forEach((hit, i) => expect(hit.score).toBeCloseTo(fromStore.data[i]?.score ?? 0, 5));
    await engine.flush();
  });
});
