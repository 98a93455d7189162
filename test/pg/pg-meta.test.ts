import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli-async.js';
import { writeJsonl } from '../helpers/segments.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { libraryGeneration, startTestDatabase, type TestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const tempDir = useTempDirs();

/** A video without its timestamps, which differ between two builds by their nature. */
function withoutTimes(video: Record<string, unknown>): Record<string, unknown> {
  const { created_at: _created, updated_at: _updated, ...rest } = video;
  return rest;
}

describe('vsearch videos show and vsearch meta with --lib postgres://', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let work: string;
  let folder: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await startTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    work = await tempDir();
    env = { VSEARCH_PG_CACHE: await tempDir() };
    const rows = syntheticSegments({ count: 40, dimension: DIMENSION, seed: 8 }, 5).map((row, i) => ({
      ...row,
      source: `clips/v${Math.floor(i / 5)}.mp4`,
      metadata: { collection: i < 20 ? 'a' : 'b', draft: true },
    }));
    const file = await writeJsonl(work, 'segments.jsonl', rows);
    folder = join(work, 'lib');
    expect((await runCliAsync(['build', '--lib', folder, '--from', file, '--model', 'test-model'])).status).toBe(0);
    for (const library of ['show', 'meta']) {
      const built = await runCliAsync(['build', '--lib', url(library), '--from', file, '--model', 'test-model'], env);
      expect(built.status, built.stderr).toBe(0);
    }
  }, 180_000);
  afterAll(async () => {
    await client?.end();
    await db?.stop();
  });
  const url = (library: string): string => `${db.url}${db.url.includes('?') ? '&' : '?'}library=${library}`;
  const generation = (library: string): Promise<number | undefined> => libraryGeneration(client, library);

  /** Every segment's metadata of the library, by identity: what a refused write must leave as it was. */
  async function metadataRows(library: string): Promise<Map<string, string>> {
    const result = await client.query<{ key: string; metadata: string }>(
      `SELECT video_id || '|' || embedding_option || '|' || start_sec AS key, metadata::text AS metadata FROM vsearch_segments WHERE library = $1`,
      [library],
    );
    return new Map(result.rows.map((row) => [row.key, row.metadata]));
  }

  it('shows a video in the JSON shape a folder library gives, and an unknown id exits 2 with the folder words', async () => {
    const fromFolder = await runCliAsync(['videos', 'show', 'v5', '--lib', folder, '--json']);
    const fromPg = await runCliAsync(['videos', 'show', 'v5', '--lib', url('show'), '--json'], env);
    expect(fromPg.stderr).toBe('');
    expect(fromPg.status).toBe(0);
    const video = JSON.parse(fromPg.stdout) as Record<string, unknown>;
    expect(withoutTimes(video)).toEqual(withoutTimes(JSON.parse(fromFolder.stdout) as Record<string, unknown>));
    expect(video).toMatchObject({
      video_id: 'v5',
      source: 'clips/v5.mp4',
      filename: 'v5.mp4',
      duration: 30,
      metadata: { collection: 'b', draft: true },
      annotations: [],
    });
    expect(video['segments']).toHaveLength(5);
    expect(typeof video['updated_at']).toBe('string');

    const human = await runCliAsync(['videos', '--lib', url('show'), 'show', 'v5'], env);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain('video       v5');
    expect(human.stdout).toContain('segments    5');

    const unknownInFolder = await runCliAsync(['videos', 'show', 'nope', '--lib', folder]);
    const unknown = await runCliAsync(['videos', 'show', 'nope', '--lib', url('show')], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe(unknownInFolder.stderr);
    expect(`${fromPg.stdout}${human.stdout}${human.stderr}${unknown.stderr}`).not.toContain(PASSWORD);
  }, 120_000);

  it('merges a metadata patch in one transaction, bumps the generation, and the next filter finds the video', async () => {
    const filter = JSON.stringify({ collection: 'nature' });
    const queryFile = join(await tempDir(), 'query.json');
    await writeFile(queryFile, JSON.stringify(Array.from({ length: DIMENSION }, (_, i) => (i === 0 ? 1 : 0))));
    const query = ['query', '--lib', url('meta'), '--vector', queryFile, '--filter', filter, '--json'];
    const found = (text: string): string[] => [
      ...new Set((JSON.parse(text) as { data: { video_id: string }[] }).data.map((hit) => hit.video_id)),
    ];
    const beforeQuery = await runCliAsync(query, env);
    expect(beforeQuery.status, beforeQuery.stderr).toBe(0);
    expect(found(beforeQuery.stdout)).toEqual([]);

    const before = await generation('meta');
    const set = JSON.stringify({ collection: 'nature', rating: 4, draft: null });
    const updated = await runCliAsync(['meta', 'v2', '--set', set, '--lib', url('meta'), '--json'], env);
    expect(updated.stderr).toBe('');
    expect(updated.status).toBe(0);
    expect(JSON.parse(updated.stdout)).toEqual({ video_id: 'v2', metadata: { collection: 'nature', rating: 4 } });
    expect(await generation('meta')).toBe((before ?? 0) + 1);
    const stored = await client.query<{ metadata: Record<string, unknown> }>(
      "SELECT metadata FROM vsearch_segments WHERE library = 'meta' AND video_id = 'v2'",
    );
    expect(stored.rows.map((row) => row.metadata)).toEqual(Array(5).fill({ collection: 'nature', rating: 4 }));

    const afterQuery = await runCliAsync(query, env);
    expect(afterQuery.status, afterQuery.stderr).toBe(0);
    expect(found(afterQuery.stdout)).toEqual(['v2']);
    const listed = await runCliAsync(['videos', '--lib', url('meta'), '--json'], env);
    expect((JSON.parse(listed.stdout) as { video_id: string; metadata: unknown }[])[2]).toMatchObject({
      video_id: 'v2',
      metadata: { collection: 'nature', rating: 4 },
    });

    // The same patch again changes nothing: no write, no new generation.
    const again = await runCliAsync(['meta', 'v2', '--set', set, '--lib', url('meta')], env);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('updated v2 (5 segments)');
    expect(await generation('meta')).toBe((before ?? 0) + 1);
    expect(`${updated.stdout}${again.stderr}${afterQuery.stderr}`).not.toContain(PASSWORD);
  }, 120_000);

  it('keeps the digest true: a sync to a folder after the patch copies the changed video, with its new metadata', async () => {
    const mirror = join(await tempDir(), 'mirror');
    const first = await runCliAsync(['sync', '--from', url('meta'), '--to', mirror, '--json'], env);
    expect(first.status, first.stderr).toBe(0);
    const patched = await runCliAsync(
      ['meta', 'v6', '--set', JSON.stringify({ reviewed: 'yes' }), '--lib', url('meta')],
      env,
    );
    expect(patched.status, patched.stderr).toBe(0);
    const second = await runCliAsync(['sync', '--from', url('meta'), '--to', mirror, '--json'], env);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ videos: 1, segments: 5, unchanged: 7 });
    const shown = await runCliAsync(['videos', 'show', 'v6', '--lib', mirror, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ metadata: { collection: 'b', draft: true, reviewed: 'yes' } });
  }, 120_000);

  it('refuses a bad patch or an unknown video with exit 2 and writes nothing', async () => {
    const before = { metadata: await metadataRows('meta'), generation: await generation('meta') };
    const deep = JSON.stringify({ nested: JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) as unknown });
    for (const [args, expected] of [
      [['meta', 'v1', '--set', '[1, 2]'], /--set|object/],
      [['meta', 'v1', '--set', '{"broken"'], /--set|JSON/],
      [['meta', 'v1', '--set', deep], /deep|nest|depth/i],
      [['meta', 'nope', '--set', '{"a": 1}'], /no video "nope"/],
    ] as const) {
      const refused = await runCliAsync([...args, '--lib', url('meta')], env);
      expect(refused.status, `${args.join(' ')}: ${refused.stderr}`).toBe(2);
      expect(refused.stderr).toMatch(expected);
      expect(`${refused.stdout}${refused.stderr}`).not.toContain(PASSWORD);
    }
    expect(await metadataRows('meta')).toEqual(before.metadata);
    expect(await generation('meta')).toBe(before.generation);
  }, 120_000);
});
