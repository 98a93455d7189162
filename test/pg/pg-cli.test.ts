import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { createTempLibrary, type TempLibrary } from '../helpers/temp-library.js';
import { libraryUrl, useTestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const tempDir = useTempDirs();

describe('vsearch query and stats with --lib postgres://', () => {
  const db = useTestDatabase();
  let folder: TempLibrary;
  let url: string;
  let cache: string;
  beforeAll(async () => {
    folder = await createTempLibrary({
      segments: syntheticSegments({ count: 300, dimension: DIMENSION, seed: 3 }, 10),
      importOptions: { model: 'test-model' },
    });
    url = libraryUrl(db(), 'cli_lib');
    const synced = await runCliAsync(['sync', '--from', folder.dir, '--to', url]);
    expect(synced.status).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await folder?.cleanup();
  });

  const env = async (): Promise<NodeJS.ProcessEnv> => {
    cache ??= await tempDir();
    return { VSEARCH_PG_CACHE: cache };
  };

  it('answers a vector query as the folder does, and names the library without its password', async () => {
    const file = join(await tempDir(), 'query.json');
    await writeFile(file, JSON.stringify(Array.from(syntheticQueries({ count: 1, dimension: DIMENSION, seed: 3 }))));
    const fromFolder = await runCliAsync(['query', '--lib', folder.dir, '--vector', file, '--json']);
    const fromPg = await runCliAsync(['query', '--lib', url, '--vector', file, '--json'], await env());
    expect(fromPg.stderr).toBe('');
    expect(fromPg.status).toBe(0);
    const ids = (text: string): string[] =>
      (JSON.parse(text) as { data: { video_id: string; start: number }[] }).data.map((h) => `${h.video_id}@${h.start}`);
    expect(ids(fromPg.stdout)).toEqual(ids(fromFolder.stdout));
    expect(ids(fromPg.stdout)).toHaveLength(10);
    const human = await runCliAsync(['query', '--lib', url, '--vector', file], await env());
    expect(human.status).toBe(0);
    expect(human.stderr).toContain('next page: vsearch query --page-token');
    expect(`${human.stdout}${human.stderr}`).not.toContain(PASSWORD);
  }, 120_000);

  it('reports counts, model, dimension and index settings from VSEARCH_LIB, and which fields PostgreSQL lacks', async () => {
    const json = await runCliAsync(['stats', '--json'], { ...(await env()), VSEARCH_LIB: url });
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      backend: 'postgres',
      segments: 300,
      videos: 30,
      model: 'test-model',
      dimension: DIMENSION,
      index: { kind: 'exact', count: 300 },
      not_in_postgres: ['bytes', 'memory', 'cross_modal_links'],
    });
    const human = await runCliAsync(['stats', '--lib', url], await env());
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('segments    300');
    expect(human.stdout).toContain('stored in   PostgreSQL');
    expect(`${human.stdout}${human.stderr}`).not.toContain(PASSWORD);
  }, 120_000);

  it('names a library the database does not hold with exit 2, without the password', async () => {
    const stats = await runCliAsync(['stats', '--lib', url, '--json'], await env());
    expect(JSON.parse(stats.stdout)).toMatchObject({ segments: 300, videos: 30 });
    const missing = await runCliAsync(
      ['stats', '--lib', url.replace('library=cli_lib', 'library=nobody')],
      await env(),
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('holds no library nobody');
    expect(missing.stderr).not.toContain(PASSWORD);
  }, 120_000);
});
