import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { legacyVideoDigest } from '../../src/pg/video-digest.js';
import { type SegmentRows, SegmentStore } from '../../src/store/index.js';
import { CLI } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useConnectedTestDatabase } from './pg-server.js';
import { folderLibrary, folderSegments, segmentsByKey } from './sync-fixtures.js';

const PASSWORD = 'secret-pw';
const tempDir = useTempDirs();

/** Segments whose metadata keys are not in sorted order (jsonb stores them reordered). */
function unsortedMetadataRows(videos: Record<string, number>, seed: number): SegmentRows {
  return rowsOf(
    videos,
    8,
    seed,
    (clip) => (clip % 2 === 0 ? 'visual' : 'audio'),
    (videoId, clip) => ({ zeta: clip, alpha: `t ${videoId}`, nested: { b: [1, { y: 2, x: 1 }], a: null } }),
  );
}

async function manifestText(dir: string): Promise<string> {
  return readFile(join(dir, 'manifest.json'), 'utf8');
}

describe('vsearch sync PostgreSQL -> folder over PGlite + pgvector on the wire', () => {
  const { client, url } = useConnectedTestDatabase();
  const sync = (from: string, to: string, ...flags: string[]) =>
    runCliAsync(['sync', '--from', from, '--to', to, '--json', ...flags]);

  it('a round trip folder -> PostgreSQL -> new folder gives the same segments, and syncing again writes nothing either way', async () => {
    const rows = unsortedMetadataRows({ a: 3, b: 4, c: 1 }, 2);
    const source = await folderLibrary(await tempDir(), rows);
    expect((await sync(source, url('round'))).status).toBe(0);
    const copy = await tempDir();
    const first = await sync(url('round'), copy);
    expect([first.status, first.stderr]).toEqual([0, '']);
    expect(JSON.parse(first.stdout)).toMatchObject({ videos: 3, segments: 8, unchanged: 0 });
    expect(first.stdout).not.toContain(PASSWORD);
    expect(await folderSegments(copy)).toEqual(segmentsByKey(rows));
    const copied = await SegmentStore.open(copy);
    expect([copied.manifest.model, copied.manifest.dimension]).toEqual(['marengo3.0', 8]);

    const before = await manifestText(copy);
    const second = await sync(url('round'), copy);
    expect(JSON.parse(second.stdout)).toMatchObject({ videos: 0, segments: 0, unchanged: 3 });
    expect(await manifestText(copy)).toBe(before);
    // The copy's digests match the ones PostgreSQL holds: nothing goes back either.
    const back = await sync(copy, url('round'));
    expect(JSON.parse(back.stdout)).toMatchObject({ videos: 0, unchanged: 3 });
  }, 120_000);

  it('a video changed in PostgreSQL is replaced in the folder, and only it (its dropped segments gone)', async () => {
    const dir = await folderLibrary(await tempDir(), rowsOf({ a: 2, b: 3 }, 8, 4));
    expect((await sync(dir, url('changed'))).status).toBe(0);
    const copy = await tempDir();
    expect((await sync(url('changed'), copy)).status).toBe(0);
    // b now has two segments with other vectors: the PostgreSQL side is rewritten from a new folder.
    const next = await folderLibrary(await tempDir(), rowsOf({ a: 2 }, 8, 4));
    const store = await SegmentStore.open(next);
    await store.append(rowsOf({ b: 2 }, 8, 9), 'marengo3.0');
    await client().query("DELETE FROM vsearch_segments WHERE library = 'changed' AND video_id = 'b'");
    expect((await sync(next, url('changed'))).status).toBe(0);
    const again = await sync(url('changed'), copy);
    expect(JSON.parse(again.stdout)).toMatchObject({ videos: 1, segments: 2, unchanged: 1 });
    expect(await folderSegments(copy)).toEqual(await folderSegments(next));
    expect((await SegmentStore.open(copy)).manifest.videos.b?.segments).toBe(2);
  }, 120_000);

  it('a sync killed after its first folder commit and rerun ends with the folder of a clean sync, copying each video once', async () => {
    const videos = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 4]));
    const rows = rowsOf(videos, 8, 7);
    expect((await sync(await folderLibrary(await tempDir(), rows), url('killed'))).status).toBe(0);
    const dir = await tempDir();
    const child = spawn(
      process.execPath,
      [CLI, 'sync', '--from', url('killed'), '--to', dir, '--batch-segments', '4'],
      {
        stdio: 'ignore',
      },
    );
    const exited = once(child, 'exit');
    let done = false;
    void exited.then(() => (done = true));
    while (!done && !existsSync(join(dir, 'manifest.json'))) await sleep(5);
    child.kill('SIGKILL');
    await exited;
    const killed = await SegmentStore.open(dir);
    const committed = Object.values(killed.manifest.videos);
    expect(committed.length).toBeGreaterThan(0);
    for (const video of committed) expect(video.segments).toBe(4);

    const rerun = await sync(url('killed'), dir);
    expect([rerun.status, rerun.stderr]).toEqual([0, '']);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ videos: 30 - committed.length, unchanged: committed.length });
    const clean = await tempDir();
    expect((await sync(url('killed'), clean)).status).toBe(0);
    expect(await folderSegments(dir)).toEqual(await folderSegments(clean));
    expect(await folderSegments(dir)).toEqual(segmentsByKey(rows));
    expect((await SegmentStore.open(dir)).manifest.counts).toEqual({ segments: 120, videos: 30 });
  }, 180_000);

  it('digests stored before metadata keys were sorted are recognised: nothing is copied again', async () => {
    const rows = unsortedMetadataRows({ old: 3 }, 5);
    const dir = await folderLibrary(await tempDir(), rows);
    expect((await sync(dir, url('legacy'))).status).toBe(0);
    await client().query("UPDATE vsearch_videos SET digest = $1 WHERE library = 'legacy'", [legacyVideoDigest(rows)]);
    const copy = await tempDir();
    expect((await sync(url('legacy'), copy)).status).toBe(0);
    const fromPg = await sync(url('legacy'), copy);
    expect(JSON.parse(fromPg.stdout)).toMatchObject({ videos: 0, unchanged: 1 });
    const toPg = await sync(dir, url('legacy'));
    expect(JSON.parse(toPg.stdout)).toMatchObject({ videos: 0, unchanged: 1 });
    const digest = await client().query<{ digest: string }>(
      "SELECT digest FROM vsearch_videos WHERE library = 'legacy'",
    );
    expect(digest.rows[0]?.digest).toMatch(/^v2:/);
    expect(JSON.parse((await sync(url('legacy'), copy)).stdout)).toMatchObject({ videos: 0, unchanged: 1 });
  }, 120_000);

  it('a folder of another dimension, or a library PostgreSQL lacks, exits 2 and writes nothing', async () => {
    expect((await sync(await folderLibrary(await tempDir(), rowsOf({ x: 1 }, 8, 5)), url('dims'))).status).toBe(0);
    const other = await folderLibrary(await tempDir(), rowsOf({ y: 2 }, 16, 6));
    const before = await manifestText(other);
    const refused = await sync(url('dims'), other);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /holds marengo3.0 \(16-d\) segments and postgres:\/\/postgres:\*\*\*@.* holds marengo3.0 \(8-d\)/,
    );
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(PASSWORD);
    expect(await manifestText(other)).toBe(before);

    const empty = join(await tempDir(), 'new-lib');
    const missing = await sync(url('nothing-here'), empty);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/holds no library "nothing-here"/);
    expect(existsSync(empty)).toBe(false);
  }, 120_000);

  it('an unreachable server exits 1, prints no password and creates no folder', async () => {
    const empty = join(await tempDir(), 'new-lib');
    const result = await sync(`postgres://me:${PASSWORD}@127.0.0.1:1/db?library=x`, empty);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/connecting to postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db\?library=x failed/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
    expect(existsSync(empty)).toBe(false);
  }, 60_000);
});
