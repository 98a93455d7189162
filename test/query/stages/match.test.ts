import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRIEVAL_PLAN } from '../../../src/query/index.js';
import { countResults, matchClips, pageRulesOf, VideoMatches } from '../../../src/query/stages/match.js';
import { retrieve } from '../../../src/query/stages/retrieve.js';
import { exactClips } from '../../helpers/exact-search.js';
import { testVector } from '../../helpers/segments.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { DIM, prepared, SEGMENTS, stageLibrary, stageParts, unit } from './stage-fixture.js';

const tempDir = useTempDirs();

describe('the match stage', () => {
  it('takes the higher of min-score and the threshold band as the floor; grouped by video, never below 0', () => {
    expect(pageRulesOf(prepared({ minScore: 0.2, threshold: 'high' }, [unit(1)]), 'marengo3.0').floor).toBe(0.3);
    expect(pageRulesOf(prepared({ minScore: 0.4, threshold: 'medium' }, [unit(1)]), 'marengo3.0').floor).toBe(0.4);
    expect(pageRulesOf(prepared({}, [unit(1)]), 'marengo3.0').floor).toBeUndefined();
    expect(pageRulesOf(prepared({ groupBy: 'video' }, [unit(1)]), 'marengo3.0').floor).toBe(0);
    expect(pageRulesOf(prepared({ operator: 'and' }, [unit(1)]), null).every).toBe(false);
    expect(pageRulesOf(prepared({ operator: 'and' }, [unit(1), unit(2)]), null).every).toBe(true);
  });

  it('lists the candidates above the floor, merged runs once each, and counts every result', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const index = snapshot.index;
    if (index === undefined) throw new Error('no index');
    for (const request of [
      { minScore: 0.1, pageLimit: 50 },
      { minScore: 0.1, mergeAdjacent: true, pageLimit: 50 },
    ]) {
      const search = prepared(request, [unit(44)]);
      const { pool, scorer } = stageParts(snapshot, search);
      await scorer.load();
      const rules = pageRulesOf(search, snapshot.manifest.model);
      const matches = new VideoMatches(pool, scorer, rules);
      const stream = retrieve(search, { index, pool, scorer, plan: DEFAULT_RETRIEVAL_PLAN });
      const items = await matchClips(stream, matches, snapshot.facts, rules, 50);
      const exact = exactClips(SEGMENTS, [testVector(DIM, 44)], {
        floor: 0.1,
        mergeAdjacent: request.mergeAdjacent ?? false,
      });
      expect(
        items.map((item) => [snapshot.facts.start[item.labels[0] as number], item.end, item.score.toFixed(5)]),
      ).toEqual(exact.slice(0, 50).map((hit) => [hit.start, hit.end, hit.score.toFixed(5)]));
      expect(new Set(items).size).toBe(items.length);
      expect(countResults(pool, matches, rules, [])).toBe(exact.length);
    }
    await lib.close();
  });
});
