import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRIEVAL_PLAN, type RetrievalStep } from '../../../src/query/index.js';
import { type Candidate, type CandidateStream, retrieve } from '../../../src/query/stages/retrieve.js';
import { exactClips, hitKey } from '../../helpers/exact-search.js';
import { testVector } from '../../helpers/segments.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { DIM, prepared, SEGMENTS, stageLibrary, stageParts, unit } from './stage-fixture.js';

const tempDir = useTempDirs();
const FORCE_ANN = { ...DEFAULT_RETRIEVAL_PLAN, exactPoolMin: 0, exactPoolFraction: 0 };

async function drain(stream: CandidateStream, n: number): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (
    let c = stream.take() ?? (await stream.next());
    c !== undefined && out.length < n;
    c = stream.take() ?? (await stream.next())
  )
    out.push(c);
  return out;
}

describe('the retrieve stage', () => {
  it('settles a plain first page with one ANN round: the fast path is the first round of the stream', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const index = snapshot.index;
    if (index === undefined) throw new Error('no index');
    const search = prepared({ pageLimit: 5 }, [unit(41)]);
    const steps: RetrievalStep[] = [];
    const stream = retrieve(search, {
      ...stageParts(snapshot, search),
      index,
      plan: FORCE_ANN,
      onStep: (step) => steps.push(step),
    });
    const first = await drain(stream, 5);
    expect(steps).toEqual([{ strategy: 'ann', k: 10, ef: 200, returned: 10 }]);
    const key = (label: number) =>
      hitKey({
        video_id: snapshot.facts.videos[snapshot.facts.video[label] as number]?.id ?? '',
        start: snapshot.facts.start[label] as number,
        embedding_option: 'visual',
      });
    expect(first.map((c) => key(c.label))).toEqual(
      exactClips(SEGMENTS, [testVector(DIM, 41)])
        .slice(0, 5)
        .map((hit) => hit.key),
    );
    await lib.close();
  });

  it('scans the pool exactly when it is small, and hands out only pool labels, best first', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const index = snapshot.index;
    if (index === undefined) throw new Error('no index');
    const search = prepared({ filter: { id: ['v2', 'v7'] } }, [unit(42), unit(43)]);
    const parts = stageParts(snapshot, search);
    const steps: RetrievalStep[] = [];
    const all = await drain(
      retrieve(search, { ...parts, index, plan: DEFAULT_RETRIEVAL_PLAN, onStep: (step) => steps.push(step) }),
      1000,
    );
    expect(steps.map((step) => step.strategy)).toEqual(['exact']);
    expect(all).toHaveLength(20);
    expect(all.every((c) => parts.pool.isAvailable(c.label))).toBe(true);
    expect(all.map((c) => c.score)).toEqual([...all.map((c) => c.score)].sort((a, b) => b - a));
    await lib.close();
  });
});
