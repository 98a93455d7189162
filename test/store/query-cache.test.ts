import { describe, expect, it } from 'vitest';
import { QueryCache, sha256Hex } from '../../src/store/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('QueryCache', () => {
  it('returns what was put under the same model, modality and content, and nothing otherwise', async () => {
    const cache = new QueryCache(await tempDir());
    const key = { model: 'marengo3.0', modality: 'text', contentSha256: sha256Hex('a bird'), origin: null };
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, Float32Array.from([0.6, 0.8, 0]));
    expect([...((await cache.get(key)) ?? [])]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0]);
    expect(await cache.get({ ...key, model: 'marengo3.5' })).toBeUndefined();
    expect(await cache.get({ ...key, modality: 'image' })).toBeUndefined();
    expect(await cache.get({ ...key, contentSha256: sha256Hex('a cat') })).toBeUndefined();
  });
});
