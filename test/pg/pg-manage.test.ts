import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli-async.js';
import { writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { libraryGeneration, useConnectedTestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const tempDir = useTempDirs();

/** A listing without its timestamps, which differ between two builds by their nature. */
function withoutTimes(list: Record<string, unknown>[]): Record<string, unknown>[] {
  return list.map(({ created_at: _created, updated_at: _updated, ...rest }) => rest);
}

describe('vsearch rm, videos and doctor with --lib postgres://', () => {
  const { client, url } = useConnectedTestDatabase();
  let work: string;
  let folder: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    work = await tempDir();
    env = { VSEARCH_PG_CACHE: await tempDir() };
    const rows = syntheticSegments({ count: 40, dimension: DIMENSION, seed: 8 }, 5).map((row, i) => ({
      ...row,
      metadata: { collection: i < 20 ? 'a' : 'b' },
    }));
    const file = await writeJsonl(work, 'segments.jsonl', rows);
    folder = join(work, 'lib');
    expect((await runCliAsync(['build', '--lib', folder, '--from', file, '--model', 'test-model'])).status).toBe(0);
    for (const library of ['manage', 'damaged']) {
      const built = await runCliAsync(['build', '--lib', url(library), '--from', file, '--model', 'test-model'], env);
      expect(built.status, built.stderr).toBe(0);
    }
  }, 180_000);

  const generation = (library: string): Promise<number | undefined> => libraryGeneration(client(), library);

  it('lists the videos in the JSON shape a folder library gives', async () => {
    const fromFolder = await runCliAsync(['videos', '--lib', folder, '--json']);
    const fromPg = await runCliAsync(['videos', '--lib', url('manage'), '--json'], env);
    expect(fromPg.stderr).toBe('');
    expect(fromPg.status).toBe(0);
    const list = JSON.parse(fromPg.stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(8);
    expect(withoutTimes(list)).toEqual(withoutTimes(JSON.parse(fromFolder.stdout) as Record<string, unknown>[]));
    expect(list[0]).toMatchObject({ video_id: 'v0', segments: 5, duration: 30, metadata: { collection: 'a' } });
    expect(typeof list[0]?.updated_at).toBe('string');
    const human = await runCliAsync(['videos', '--lib', url('manage')], env);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('v7');
    expect(`${human.stdout}${human.stderr}`).not.toContain(PASSWORD);
  }, 120_000);

  it('removes a video in one transaction that bumps the generation; an unknown video or library exits 2 and writes nothing', async () => {
    const before = await generation('manage');
    const removed = await runCliAsync(['rm', 'v3', '--lib', url('manage'), '--json'], env);
    expect(removed.status, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ video_id: 'v3', removed_segments: 5 });
    expect(await generation('manage')).toBe((before ?? 0) + 1);
    const left = await client().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM vsearch_segments WHERE library = 'manage' AND video_id = 'v3'",
    );
    expect(left.rows[0]?.n).toBe(0);
    const listed = await runCliAsync(['videos', '--lib', url('manage'), '--json'], env);
    expect((JSON.parse(listed.stdout) as { video_id: string }[]).map((video) => video.video_id)).not.toContain('v3');

    const again = await runCliAsync(['rm', 'v3', '--lib', url('manage')], env);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('no video "v3"');
    expect(await generation('manage')).toBe((before ?? 0) + 1);

    const nowhere = await runCliAsync(['rm', 'v1', '--lib', url('nobody')], env);
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toContain('holds no library nobody');
    expect(`${nowhere.stdout}${nowhere.stderr}${again.stderr}${removed.stderr}`).not.toContain(PASSWORD);
    expect(await generation('nobody')).toBeUndefined();
  }, 120_000);

  it('doctor finds a healthy library healthy (exit 0) and a segment row deleted by SQL (exit 1)', async () => {
    const healthy = await runCliAsync(['doctor', '--lib', url('damaged'), '--json'], env);
    expect(healthy.status, healthy.stderr).toBe(0);
    const report = JSON.parse(healthy.stdout) as { postgres: { pgvector: string | null } };
    expect(report).toMatchObject({
      healthy: true,
      problems: [],
      backend: 'postgres',
      postgres: { schemaVersion: 4, hnswIndex: true, videos: 8, segments: 40, dimension: DIMENSION },
    });
    expect(report.postgres.pgvector).not.toBeNull();
    const human = await runCliAsync(['doctor', '--lib', url('damaged')], env);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('healthy');
    expect(`${human.stdout}${human.stderr}`).not.toContain(PASSWORD);

    await client().query(
      "DELETE FROM vsearch_segments WHERE library = 'damaged' AND video_id = 'v5' AND start_sec = (SELECT min(start_sec) FROM vsearch_segments WHERE library = 'damaged' AND video_id = 'v5')",
    );
    const damaged = await runCliAsync(['doctor', '--lib', url('damaged'), '--json'], env);
    expect(damaged.status).toBe(1);
    expect(JSON.parse(damaged.stdout)).toMatchObject({
      healthy: false,
      problems: [{ file: 'vsearch_segments', kind: 'pg-video-segments', repaired: false }],
    });
    const told = await runCliAsync(['doctor', '--lib', url('damaged')], env);
    expect(told.status).toBe(1);
    expect(told.stdout).toContain('video "v5" is listed with 5 segments but 4 are stored');
    expect(`${told.stdout}${told.stderr}`).not.toContain(PASSWORD);

    const repair = await runCliAsync(['doctor', '--repair', '--lib', url('damaged')], env);
    expect(repair.status).toBe(2);
    expect(repair.stderr).toContain('repair is not available on a PostgreSQL library');
  }, 120_000);
});
