import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRIEVAL_PLAN } from '../../../src/query/index.js';
import { CLIPS_PER_VIDEO, groupVideos } from '../../../src/query/stages/group.js';
import { countResults, pageRulesOf, VideoMatches } from '../../../src/query/stages/match.js';
import { retrieve } from '../../../src/query/stages/retrieve.js';
import { exactVideos, listedClips } from '../../helpers/exact-search.js';
import { testVector } from '../../helpers/segments.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { DIM, prepared, SEGMENTS, stageLibrary, stageParts, unit } from './stage-fixture.js';

const tempDir = useTempDirs();

describe('the group stage', () => {
  it('lists each matching video once, in order of its best clip, with its best clips under it', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const index = snapshot.index;
    if (index === undefined) throw new Error('no index');
    const search = prepared({ groupBy: 'video', minScore: 0.25, pageLimit: 5 }, [unit(45)]);
    const { pool, scorer } = stageParts(snapshot, search);
    await scorer.load();
    const rules = pageRulesOf(search, snapshot.manifest.model);
    const matches = new VideoMatches(pool, scorer, rules);
    const groups = await groupVideos(
      retrieve(search, { index, pool, scorer, plan: DEFAULT_RETRIEVAL_PLAN }),
      matches,
      snapshot.facts,
      rules,
      5,
    );
    const exact = exactVideos(SEGMENTS, [testVector(DIM, 45)], { floor: 0.25 });
    const id = (video: number) => snapshot.facts.videos[video]?.id;
    expect(groups.map((group) => id(group.video))).toEqual(exact.slice(0, 5).map((video) => video.video));
    groups.forEach((group, i) => {
      expect(group.top.score).toBeCloseTo(exact[i]?.score ?? 0, 5);
      expect(group.clips.length).toBeLessThanOrEqual(CLIPS_PER_VIDEO);
      expect(group.clips.map((clip) => clip.start)).toEqual(listedClips(exact[i], 0.25).map((clip) => clip.start));
    });
    expect(countResults(pool, matches, rules, [])).toBe(exact.length);
    await lib.close();
  });
});
