import { describe, expect, it } from 'vitest';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulator } from '../helpers/emulator.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { libraryUrl, useTestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const tempDir = useTempDirs();

interface BuildJson {
  built: { videos: number; failures: unknown[]; deduplicated: number };
  written: { videos: number; segments: number; unchanged: number };
  library: { videos: number; segments: number };
}

describe('vsearch build of media into postgres:// through the API (the emulator)', () => {
  const emulator = useEmulator({ apiKey: API_KEY, taskDelayMs: 100, seed: 5, scenario: testScenario() });
  const db = useTestDatabase();

  it('embeds media into the database, keeps the embeddings in the local cache, and pays nothing twice', async () => {
    const url = libraryUrl(db(), 'media');
    const emu = emulator();
    const cache = await tempDir();
    const env = { TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl, VSEARCH_PG_CACHE: cache };
    const args = ['build', MEDIA_SAMPLES, '--lib', url, '--clip-length', '2', '--json'];
    const built = await runCliAsync(args, env);
    expect(built.status, built.stderr).toBe(0);
    const first = JSON.parse(built.stdout) as BuildJson;
    expect(first.built).toMatchObject({ videos: 3, failures: [] });
    expect(first.written).toMatchObject({ videos: 3, unchanged: 0 });
    expect(first.library).toMatchObject({ videos: 3, segments: first.written.segments });
    expect(`${built.stdout}${built.stderr}`).not.toContain(PASSWORD);
    expect(`${built.stdout}${built.stderr}`).not.toContain(API_KEY);

    // A video gone from the database (as after a build killed between embedding and writing) comes back from the cache.
    const removed = await runCliAsync(['rm', 'bbb-3sec.mp4', '--lib', url], env);
    expect(removed.status, removed.stderr).toBe(0);
    emu.reset();
    const rerun = await runCliAsync(args, env);
    expect(rerun.status, rerun.stderr).toBe(0);
    const second = JSON.parse(rerun.stdout) as BuildJson;
    expect(emu.stats()).toMatchObject({ sync_embeds: 0, tasks_created: 0 });
    expect(second.built.deduplicated).toBe(3);
    expect(second.written).toMatchObject({ videos: 1, unchanged: 2 });
    expect(second.library).toEqual(first.library);

    const query = await runCliAsync(
      ['query', 'a butterfly over the flowers', '--lib', url, '--limit', '1', '--json'],
      env,
    );
    expect(query.status, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout)).toMatchObject({ data: [{ video_id: 'bbb-3sec.mp4' }] });
  }, 240_000);
});
