import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { syncFolderToPg } from '../../src/pg/sync-to-pg.js';
import { parsePgTarget } from '../../src/pg/target.js';
import { clipSegments, type JsonlSegment, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useTempLibraries } from '../helpers/temp-library.js';
import { useConnectedTestDatabase } from './pg-server.js';

const DIMENSION = 16;
const MODEL = 'test-model';
const tempDir = useTempDirs();
const tempLibrary = useTempLibraries();

/** Clips `from`..`to` (6 s each) of `videoId`, each tagged with the writer that wrote it. */
function clips(videoId: string, from: number, to: number, writer: string, seed: number): JsonlSegment[] {
  return clipSegments(videoId, to, DIMENSION, seed, { metadata: { writer } }).slice(from);
}

/** A video's segments as the database holds them: start second -> the writer that wrote it. */
type Held = Record<number, string>;

describe('two writers of one new video at once, each through its own connections', () => {
  const { client, url } = useConnectedTestDatabase();

  async function held(library: string, videoId: string): Promise<{ segments: Held; listed: number | undefined }> {
    const rows = await client().query<{ start_sec: number; writer: string }>(
      "SELECT start_sec, metadata ->> 'writer' AS writer FROM vsearch_segments WHERE library = $1 AND video_id = $2 ORDER BY start_sec",
      [library, videoId],
    );
    const video = await client().query<{ segments: number }>(
      'SELECT segments FROM vsearch_videos WHERE library = $1 AND video_id = $2',
      [library, videoId],
    );
    return {
      segments: Object.fromEntries(rows.rows.map((row) => [row.start_sec, row.writer])),
      listed: video.rows[0]?.segments,
    };
  }

  it('builds end as the two builds run in turn would leave the video (as folder imports do), never one replacing the other', async () => {
    const cache = await tempDir();
    // The library exists (another video in it), so each round is only the two first writes of one video.
    const setUp = await openLibrary(url('built'), { create: true, queryCacheDir: cache });
    await setUp.importSegments(await writeJsonl(await tempDir(), 'other.jsonl', clips('other', 0, 2, 'x', 1)), {
      model: MODEL,
    });
    await setUp.close();
    const a = await openLibrary(url('built'), { queryCacheDir: cache });
    const b = await openLibrary(url('built'), { queryCacheDir: cache });
    try {
      for (const round of [1, 2, 3]) {
        const videoId = `shared${round}`;
        // a: clips 0-4, b: clips 2-6; clips 2-4 are the same identities with other vectors and metadata.
        const fileA = await writeJsonl(await tempDir(), 'a.jsonl', clips(videoId, 0, 5, 'a', 10 + round));
        const fileB = await writeJsonl(await tempDir(), 'b.jsonl', clips(videoId, 2, 7, 'b', 20 + round));
        await Promise.all([a.importSegments(fileA, { model: MODEL }), b.importSegments(fileB, { model: MODEL })]);
        const aThenB: Held = { 0: 'a', 6: 'a', 12: 'b', 18: 'b', 24: 'b', 30: 'b', 36: 'b' };
        const bThenA: Held = { 0: 'a', 6: 'a', 12: 'a', 18: 'a', 24: 'a', 30: 'b', 36: 'b' };
        const found = await held('built', videoId);
        expect([aThenB, bThenA]).toContainEqual(found.segments);
        expect(found.listed).toBe(7);
      }
      expect((await a.doctor()).healthy).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  }, 240_000);

  it('syncs mirror a folder: the video ends as exactly one of the two folders holds it, never a mix', async () => {
    for (const round of [1, 2, 3]) {
      const videoId = `mirrored${round}`;
      // a: clips 0-4, b: clips 1-2 with other vectors: a mix would keep a's clips 0, 3 or 4 beside b's.
      const folderA = await tempLibrary({
        segments: clips(videoId, 0, 5, 'a', 30 + round),
        importOptions: { model: MODEL },
      });
      const folderB = await tempLibrary({
        segments: clips(videoId, 1, 3, 'b', 40 + round),
        importOptions: { model: MODEL },
      });
      const target = parsePgTarget(url('synced'));
      await Promise.all([syncFolderToPg(folderA.dir, target), syncFolderToPg(folderB.dir, target)]);
      const found = await held('synced', videoId);
      const onlyA: Held = { 0: 'a', 6: 'a', 12: 'a', 18: 'a', 24: 'a' };
      const onlyB: Held = { 6: 'b', 12: 'b' };
      expect([onlyA, onlyB]).toContainEqual(found.segments);
      expect(found.listed).toBe(Object.keys(found.segments).length);
    }
  }, 240_000);
});
