import { describe, expect, it, vi } from 'vitest';
import { InputError } from '../../../src/errors.js';
import type { QueryEmbedder } from '../../../src/query/index.js';
import { prepareSearch } from '../../../src/query/stages/prepare.js';
import { testVector } from '../../helpers/segments.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { DIM, labelOf, stageLibrary } from './stage-fixture.js';

const tempDir = useTempDirs();

function spyEmbedder(): QueryEmbedder & { embed: ReturnType<typeof vi.fn> } {
  return { origin: 'http://127.0.0.1:1', embed: vi.fn(async () => Float32Array.from(testVector(DIM, 5))) };
}

describe('the prepare stage', () => {
  it('reads a cached text query from the query cache without embedding it, at the cross-modal ef', async () => {
    const { lib } = await stageLibrary(await tempDir());
    const embedder = spyEmbedder();
    await lib.cacheQuery(
      { modality: 'text', text: 'a dog' },
      testVector(DIM, 9).map((x) => x * 3),
      { origin: embedder.origin },
    );
    const snapshot = await lib.snapshot();
    const ready = await prepareSearch({ text: 'a dog', pageLimit: 7 }, snapshot, {
      queryCache: lib.queryCache,
      embedder,
    });
    expect(embedder.embed).not.toHaveBeenCalled();
    expect(ready.queries).toHaveLength(1);
    const norm = Math.hypot(...(ready.queries[0] ?? []));
    expect(norm).toBeCloseTo(1, 5);
    expect(ready.search.pageLimit).toBe(7);
    expect(ready.ef).toBe(snapshot.efFor(['text']));
    expect(ready.ef).toBeGreaterThan(snapshot.efFor(['video']));
    await lib.close();
  });

  it('embeds a query the cache lacks, once, and caches it', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const embedder = spyEmbedder();
    await prepareSearch({ text: 'a cat' }, snapshot, { queryCache: lib.queryCache, embedder });
    await prepareSearch({ text: 'a cat' }, snapshot, { queryCache: lib.queryCache, embedder });
    expect(embedder.embed).toHaveBeenCalledTimes(1);
    await lib.close();
  });

  it('checks the options before it embeds anything', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const embedder = spyEmbedder();
    await expect(
      prepareSearch({ text: 'a cat', pageLimit: 0 }, snapshot, { queryCache: lib.queryCache, embedder }),
    ).rejects.toThrow(InputError);
    await expect(
      prepareSearch({ text: 'a cat', groupBy: 'scene' as never }, snapshot, { queryCache: lib.queryCache, embedder }),
    ).rejects.toThrow(/`groupBy` must be clip or video/);
    expect(embedder.embed).not.toHaveBeenCalled();
    await expect(prepareSearch({}, snapshot, { queryCache: lib.queryCache, embedder })).rejects.toThrow(
      /no query given/,
    );
    await lib.close();
  });

  it('turns a "more like this" segment into its stored vector and excludes it from the answers', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const ready = await prepareSearch({ like: 'v3@13' }, snapshot, { queryCache: lib.queryCache, embedder: undefined });
    const label = labelOf(snapshot, 'v3', 12);
    expect([...ready.excluded]).toEqual([label]);
    expect(Array.from(ready.queries[0] ?? [])).toEqual(Array.from((await snapshot.segmentVector(label)) ?? []));
    expect(ready.ef).toBe(snapshot.efFor(['video']));
    await lib.close();
  });
});
