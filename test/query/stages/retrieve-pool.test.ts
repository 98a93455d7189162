import { describe, expect, it } from 'vitest';
import { poolFor } from '../../../src/query/stages/retrieve.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { labelOf, prepared, SEGMENTS, stageLibrary, unit } from './stage-fixture.js';

const tempDir = useTempDirs();

function availableLabels(pool: ReturnType<typeof poolFor>): number[] {
  const labels: number[] = [];
  pool.forEachAvailable((label) => labels.push(label));
  return labels;
}

describe('the pool stage', () => {
  it('holds every stored label, unrestricted, for a plain search', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const pool = poolFor(snapshot.facts, prepared({}, [unit(1)]), []);
    expect(pool.available).toBe(SEGMENTS.length);
    expect(pool.restricted).toBe(false);
    await lib.close();
  });

  it('leaves out what the filter rejects, the excluded labels and what earlier pages returned', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const excluded = labelOf(snapshot, 'v3', 0);
    const returned = labelOf(snapshot, 'v6', 6);
    const search = prepared({ filter: { shard: 0 } }, [unit(1)], [excluded]);
    const pool = poolFor(snapshot.facts, search, [{ items: 1, labels: [returned], videos: [] }]);
    const expected = SEGMENTS.filter((s) => (s['metadata'] as { shard: number }).shard === 0).length - 2;
    expect(pool.available).toBe(expected);
    expect(pool.restricted).toBe(true);
    const labels = availableLabels(pool);
    expect(labels).toHaveLength(expected);
    expect(labels).not.toContain(excluded);
    expect(labels).not.toContain(returned);
    // The base pool still holds what earlier pages returned (totals and merges stay the same), not the exclusion.
    expect(pool.inBase(returned)).toBe(true);
    expect(pool.inBase(excluded)).toBe(false);
    expect(pool.isAvailable(labelOf(snapshot, 'v1', 0))).toBe(false);
    await lib.close();
  });

  it('leaves out whole videos an earlier page grouped by video returned', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const pool = poolFor(snapshot.facts, prepared({ groupBy: 'video' }, [unit(1)]), [
      { items: 2, labels: [], videos: ['v0', 'v5'] },
    ]);
    expect(pool.available).toBe(SEGMENTS.length - 20);
    expect(
      availableLabels(pool).some((label) =>
        ['v0', 'v5'].includes(snapshot.facts.videos[snapshot.facts.video[label] as number]?.id ?? ''),
      ),
    ).toBe(false);
    await lib.close();
  });
});
