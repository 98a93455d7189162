import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedCalibrationQueries } from '../../src/library/cached-queries.js';
import { QueryCache } from '../../src/store/query-cache.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const key = (model: string, modality: string, content: string) => ({
  model,
  modality,
  contentSha256: content.repeat(64),
  origin: null,
});

describe('cachedCalibrationQueries', () => {
  it("takes the cache's sound entries of the model, as unit vectors, and lists a file whose vector was altered instead of using it", async () => {
    const cache = new QueryCache(await tempDir());
    await cache.put(key('m', 'text', 'a'), Float32Array.of(3, 4, 0));
    await cache.put(key('m', 'image', 'b'), Float32Array.of(0, 0, 2));
    await cache.put(key('other', 'text', 'c'), Float32Array.of(1, 0, 0));
    await cache.put(key('m', 'text', 'd'), Float32Array.of(0, 5, 0));

    // Alter one float of the last entry's vector: the file still parses, but its checksum no longer matches.
    const altered = (await cache.entries()).find((entry) => entry.key.contentSha256 === 'd'.repeat(64));
    expect(altered).toBeDefined();
    const path = join(cache.dir, altered?.file ?? '');
    const bytes = await readFile(path);
    const at = bytes.indexOf(Buffer.from(Float32Array.of(0, 5, 0).buffer));
    expect(at).toBeGreaterThan(0);
    bytes.writeFloatLE(6, at + 4);
    await writeFile(path, bytes);

    const { queries, unreadable } = await cachedCalibrationQueries(cache, 'm', 3);
    expect(unreadable).toEqual([path]);
    expect(
      queries
        .map((q) => ({ modality: q.modality, vector: Array.from(q.vector, (x) => Math.round(x * 1000) / 1000) }))
        .sort((a, b) => a.modality.localeCompare(b.modality)),
    ).toEqual([
      { modality: 'image', vector: [0, 0, 1] },
      { modality: 'text', vector: [0.6, 0.8, 0] },
    ]);
    expect((await cachedCalibrationQueries(cache, 'm', 4)).queries).toEqual([]);
    expect((await cachedCalibrationQueries(cache, null, 3)).queries).toEqual([]);
  });
});
