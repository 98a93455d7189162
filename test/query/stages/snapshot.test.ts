import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ClipHit, SearchResponseFor, VideoHit } from '../../../src/query/index.js';
import { clipSegments, writeJsonl } from '../../helpers/segments.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { DIM, MODEL, stageLibrary, unit } from './stage-fixture.js';

const tempDir = useTempDirs();

describe('the library snapshot', () => {
  it('is one frozen object per generation, shared by concurrent searches that leave it as it was', async () => {
    const dir = await tempDir();
    const { lib, snapshot } = await stageLibrary(dir);
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(snapshot.facts)).toBe(true);
    const facts = snapshot.facts;
    const shapes = [
      {},
      { groupBy: 'video' as const },
      { minScore: 0.1, mergeAdjacent: true },
      { filter: { shard: 1 } },
      { operator: 'and' as const },
    ];
    await Promise.all(
      shapes.map((shape, i) => lib.search({ vector: unit(i + 60), like: 'v1', pageLimit: 3, ...shape })),
    );
    expect(await lib.snapshot()).toBe(snapshot);
    expect(snapshot.facts).toBe(facts);

    await lib.importSegments(await writeJsonl(dir, 'more.jsonl', clipSegments('w', 3, DIM, 99)), { model: MODEL });
    const next = await lib.snapshot();
    expect(next).not.toBe(snapshot);
    expect(next.manifest.generation).toBe(snapshot.manifest.generation + 1);
    expect(next.facts.size).toBe(snapshot.facts.size + 3);
    // The old snapshot still describes its own generation.
    expect(snapshot.facts.videoOrdinals.has('w')).toBe(false);
    await lib.close();
  });

  it('is made again when the search breadth changes', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    await lib.setSearchEf(33);
    const next = await lib.snapshot();
    expect(next).not.toBe(snapshot);
    expect(next.efFor(['text'])).toBe(33);
    expect(snapshot.efFor(['text'])).not.toBe(33);
    await lib.close();
  });
});

describe('a search response type', () => {
  it('narrows data by groupBy', () => {
    expectTypeOf<SearchResponseFor<{ text: string; groupBy: 'video' }>['data']>().toEqualTypeOf<VideoHit[]>();
    expectTypeOf<SearchResponseFor<{ text: string; groupBy: 'clip' }>['data']>().toEqualTypeOf<ClipHit[]>();
    expectTypeOf<SearchResponseFor<{ text: string }>['data']>().toEqualTypeOf<ClipHit[]>();
    expectTypeOf<SearchResponseFor<{ pageToken: string }>['data']>().toEqualTypeOf<ClipHit[] | VideoHit[]>();
    expectTypeOf<SearchResponseFor<{ groupBy?: 'clip' | 'video' }>['data']>().toEqualTypeOf<ClipHit[] | VideoHit[]>();
  });
});
