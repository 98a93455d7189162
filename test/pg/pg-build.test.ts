import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import { runCliAsync, startCli } from '../helpers/cli-async.js';
import { writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { libraryGeneration, useConnectedTestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const CLIPS_PER_VIDEO = 5;
const tempDir = useTempDirs();

/** The segments of `videos` videos (v`first` on), CLIPS_PER_VIDEO each, seeded so that overlapping ranges agree. */
function segmentsOf(first: number, videos: number): ReturnType<typeof syntheticSegments> {
  const all = syntheticSegments(
    { count: (first + videos) * CLIPS_PER_VIDEO, dimension: DIMENSION, seed: 11 },
    CLIPS_PER_VIDEO,
  );
  return all.slice(first * CLIPS_PER_VIDEO);
}

describe('vsearch build --lib postgres://', () => {
  const { client, url } = useConnectedTestDatabase();
  let cache: string;
  const env = async (): Promise<NodeJS.ProcessEnv> => {
    cache ??= await tempDir();
    return { VSEARCH_PG_CACHE: cache };
  };

  /** Every segment of the library as identity -> vector text, and how many rows each identity has. */
  async function segmentSet(library: string): Promise<{ rows: number; set: Map<string, string> }> {
    const result = await client().query<{ key: string; embedding: string }>(
      `SELECT video_id || '|' || embedding_option || '|' || embedding_scope || '|' || start_sec || '|' || end_sec AS key, embedding::text AS embedding FROM vsearch_segments WHERE library = $1`,
      [library],
    );
    return { rows: result.rows.length, set: new Map(result.rows.map((row) => [row.key, row.embedding])) };
  }

  /** Videos whose vsearch_videos count differs from their segment rows (a half-written video). */
  async function tornVideos(library: string): Promise<string[]> {
    const result = await client().query<{ video_id: string }>(
      `SELECT v.video_id FROM vsearch_videos v LEFT JOIN (SELECT video_id, count(*)::int AS n FROM vsearch_segments WHERE library = $1 GROUP BY video_id) s ON s.video_id = v.video_id WHERE v.library = $1 AND v.segments <> coalesce(s.n, 0)`,
      [library],
    );
    return result.rows.map((row) => row.video_id);
  }

  async function videoCount(library: string): Promise<number> {
    const result = await client().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM vsearch_videos WHERE library = $1',
      [library],
    );
    return result.rows[0]?.n ?? 0;
  }

  const generation = (library: string): Promise<number | undefined> => libraryGeneration(client(), library);

  // 200 segments, under exactBelow: both libraries scan exactly.
  it('imports into PostgreSQL and answers the same top 10 as the same build into a folder, exactly', async () => {
    const work = await tempDir();
    const file = await writeJsonl(work, 'segments.jsonl', segmentsOf(0, 40));
    const folder = join(work, 'lib');
    expect((await runCliAsync(['build', '--lib', folder, '--from', file, '--model', 'test-model'])).status).toBe(0);
    const built = await runCliAsync(
      ['build', '--lib', url('same_top'), '--from', file, '--model', 'test-model', '--json'],
      await env(),
    );
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({
      imported: { segments: 200, videos: 40, model: 'test-model' },
      written: { videos: 40, segments: 200, unchanged: 0 },
      library: { backend: 'postgres', segments: 200, videos: 40, dimension: DIMENSION },
    });
    const queryFile = join(work, 'query.json');
    await writeFile(
      queryFile,
      JSON.stringify(Array.from(syntheticQueries({ count: 1, dimension: DIMENSION, seed: 5 }))),
    );
    const ids = (text: string): string[] =>
      (JSON.parse(text) as { data: { video_id: string; start: number }[] }).data.map((h) => `${h.video_id}@${h.start}`);
    const fromFolder = await runCliAsync(['query', '--lib', folder, '--vector', queryFile, '--json']);
    const fromPg = await runCliAsync(['query', '--lib', url('same_top'), '--vector', queryFile, '--json'], await env());
    expect(fromPg.status).toBe(0);
    expect(ids(fromPg.stdout)).toHaveLength(10);
    expect(ids(fromPg.stdout)).toEqual(ids(fromFolder.stdout));
    // A rerun finds every video held alike: nothing is written again.
    const before = await generation('same_top');
    const again = await runCliAsync(['build', '--lib', url('same_top'), '--from', file, '--json'], await env());
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: { videos: 0, segments: 0, unchanged: 40 } });
    expect(await generation('same_top')).toBe(before);
  }, 180_000);

  it('adds segments to a stored video as a folder import does: same identity replaced, the others kept', async () => {
    const work = await tempDir();
    // One source for every row (an import names its file otherwise): listings take a video's first segment's.
    const source = 'clip.mp4';
    const first = await writeJsonl(
      work,
      'first.jsonl',
      segmentsOf(0, 2).map((row) => ({ ...row, source })),
    );
    const vector = (segmentsOf(5, 1)[0] as { embedding: number[] }).embedding;
    const second = await writeJsonl(work, 'second.jsonl', [
      { video_id: 'v0', start_sec: 0, end_sec: 6, embedding: vector, source },
      { video_id: 'v0', start_sec: 30, end_sec: 36, embedding: vector, source },
    ]);
    const folder = join(work, 'lib');
    for (const file of [first, second]) {
      expect((await runCliAsync(['build', '--lib', folder, '--from', file, '--model', 'test-model'])).status).toBe(0);
      const built = await runCliAsync(
        ['build', '--lib', url('merged'), '--from', file, '--model', 'test-model'],
        await env(),
      );
      expect(built.status, built.stderr).toBe(0);
    }
    const listing = async (lib: string): Promise<unknown> =>
      (
        JSON.parse((await runCliAsync(['videos', '--lib', lib, '--json'], await env())).stdout) as Record<
          string,
          unknown
        >[]
      ).map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
    expect(await listing(url('merged'))).toEqual(await listing(folder));
    expect((await segmentSet('merged')).rows).toBe(2 * CLIPS_PER_VIDEO + 1);
    const again = await runCliAsync(['build', '--lib', url('merged'), '--from', second, '--json'], await env());
    expect(JSON.parse(again.stdout)).toMatchObject({ written: { videos: 0, unchanged: 1 } });
  }, 180_000);

  it('two builders at once over overlapping inputs leave every segment exactly once', async () => {
    const work = await tempDir();
    const first = await writeJsonl(work, 'first.jsonl', segmentsOf(0, 60));
    const second = await writeJsonl(work, 'second.jsonl', segmentsOf(30, 60));
    const childEnv = await env();
    const builders = [first, second].map((file) =>
      startCli(['build', '--lib', url('two_builders'), '--from', file, '--model', 'test-model', '--json'], childEnv),
    );
    const exits = await Promise.all(builders.map((builder) => builder.exited));
    for (const [i, [status]] of exits.entries()) expect(status, builders[i]?.stderr()).toBe(0);
    const { rows, set } = await segmentSet('two_builders');
    expect(set.size).toBe(90 * CLIPS_PER_VIDEO);
    expect(rows).toBe(set.size);
    expect(await videoCount('two_builders')).toBe(90);
    expect(await tornVideos('two_builders')).toEqual([]);
    const written = builders.map(
      (builder) => (JSON.parse(builder.stdout()) as { written: { videos: number; unchanged: number } }).written,
    );
    // Each builder wrote or found held alike each of its 60 videos.
    for (const counts of written) expect(counts.videos + counts.unchanged).toBe(60);
  }, 240_000);

  it('a builder SIGKILLed mid-load and rerun ends with the same segments as a clean load', async () => {
    const work = await tempDir();
    const videos = 300;
    const file = await writeJsonl(work, 'segments.jsonl', segmentsOf(0, videos));
    const clean = await runCliAsync(
      ['build', '--lib', url('clean_load'), '--from', file, '--model', 'test-model'],
      await env(),
    );
    expect(clean.status).toBe(0);
    const killed = startCli(
      ['build', '--lib', url('killed_load'), '--from', file, '--model', 'test-model'],
      await env(),
    );
    let held = 0;
    while (held < 5) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      held = await videoCount('killed_load').catch(() => 0);
    }
    killed.child.kill('SIGKILL');
    const [, signal] = await killed.exited;
    expect(signal).toBe('SIGKILL');
    const partial = await videoCount('killed_load');
    expect(partial).toBeLessThan(videos);
    expect(await tornVideos('killed_load')).toEqual([]);
    const rerun = await runCliAsync(
      ['build', '--lib', url('killed_load'), '--from', file, '--model', 'test-model', '--json'],
      await env(),
    );
    expect(rerun.status).toBe(0);
    const { written } = JSON.parse(rerun.stdout) as { written: { videos: number; unchanged: number } };
    expect(written.unchanged).toBeGreaterThanOrEqual(partial);
    expect(written.videos + written.unchanged).toBe(videos);
    const after = await segmentSet('killed_load');
    const expected = await segmentSet('clean_load');
    expect(after.rows).toBe(after.set.size);
    expect(after.set).toEqual(expected.set);
    expect(await tornVideos('killed_load')).toEqual([]);
  }, 300_000);

  it('refuses a file of the wrong dimension with exit 2 and writes nothing', async () => {
    const work = await tempDir();
    const good = await writeJsonl(work, 'good.jsonl', segmentsOf(0, 4));
    expect(
      (await runCliAsync(['build', '--lib', url('wrong_dim'), '--from', good, '--model', 'test-model'], await env()))
        .status,
    ).toBe(0);
    const before = { set: await segmentSet('wrong_dim'), generation: await generation('wrong_dim') };
    const wide = syntheticSegments({ count: 10, dimension: DIMENSION * 2, seed: 4 }, CLIPS_PER_VIDEO).map((row) => ({
      ...row,
      video_id: `wide-${row.video_id}`,
    }));
    const bad = await writeJsonl(work, 'bad.jsonl', [...segmentsOf(10, 2), ...wide]);
    const refused = await runCliAsync(['build', '--lib', url('wrong_dim'), '--from', bad], await env());
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/dimension|-d/);
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(PASSWORD);
    expect(await segmentSet('wrong_dim')).toEqual(before.set);
    expect(await generation('wrong_dim')).toBe(before.generation);
  }, 120_000);

  it('refuses other index parameters for an existing library, naming the flags to change', async () => {
    const work = await tempDir();
    const file = await writeJsonl(work, 'segments.jsonl', segmentsOf(0, 2));
    const args = ['build', '--lib', url('fixed_index'), '--from', file, '--model', 'test-model'];
    expect((await runCliAsync([...args, '--index-m', '24'], await env())).status).toBe(0);
    const refused = await runCliAsync([...args, '--index-m', '32', '--ef-construction', '300'], await env());
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /index parameters are fixed when it is created: --index-m 32 \(it has 24\), --ef-construction 300 \(it has \d+\)/,
    );
  }, 120_000);

  it('never shows the password of the URL, in the human summary or in an error', async () => {
    const work = await tempDir();
    const file = await writeJsonl(work, 'segments.jsonl', segmentsOf(0, 3));
    expect(url('shown')).toContain(PASSWORD);
    const human = await runCliAsync(
      ['build', '--lib', url('shown'), '--from', file, '--model', 'test-model'],
      await env(),
    );
    expect(human.status).toBe(0);
    expect(human.stderr).toContain('now holds 15 segments of 3 videos');
    expect(`${human.stdout}${human.stderr}`).not.toContain(PASSWORD);
    const otherModel = await runCliAsync(
      ['build', '--lib', url('shown'), '--from', file, '--model', 'other-model'],
      await env(),
    );
    expect(otherModel.status).toBe(2);
    expect(`${otherModel.stdout}${otherModel.stderr}`).not.toContain(PASSWORD);
  }, 120_000);
});
