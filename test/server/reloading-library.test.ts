import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { PageTokenError } from '../../src/query/page-token-error.js';
import { ReloadingLibrary } from '../../src/server/index.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { closedLibraryOfOneVideo } from '../helpers/temp-library.js';

const tempDir = useTempDirs();
const DIM = 16;
const MODEL = { model: 'custom-16' };

describe('ReloadingLibrary', () => {
  it("sees segments another instance adds and videos it removes, and expires the old version's tokens", async () => {
    const dir = await tempDir();
    const libDir = await closedLibraryOfOneVideo(dir, 3, DIM);

    let opened = 0;
    const served = await ReloadingLibrary.open(() => {
      opened++;
      return openLibrary(libDir);
    });
    const query = { vector: testVector(DIM, 1000), pageLimit: 2 };
    const before = await served.search(query);
    expect(before.page_info.total_results).toBe(3);
    expect((await served.search(query)).page_info.total_results).toBe(3);
    expect(opened).toBe(1);

    const writer = await openLibrary(libDir);
    await writer.importSegments(await writeJsonl(dir, 'b.jsonl', clipSegments('b.mp4', 2, DIM, 2)), MODEL);
    const after = await served.search(query);
    expect(after.page_info.total_results).toBe(5);
    // The one Library caught up: nothing was opened again.
    expect(opened).toBe(1);
    expect(served.manifest.counts.segments).toBe(5);
    const token = before.page_info.next_page_token as string;
    await expect(served.search({ pageToken: token })).rejects.toThrow(PageTokenError);

    await writer.removeVideo('a.mp4');
    await writer.close();
    // min-score -1: grouped by video, no floor means floor 0, and these random vectors may score below it.
    const removed = await served.search({ ...query, groupBy: 'video', minScore: -1 });
    expect(removed.data.map((hit) => hit.video_id)).toEqual(['b.mp4']);
    await served.close();
  });

  it('lets searches running on the old version finish before it is closed', async () => {
    const dir = await tempDir();
    const libDir = await closedLibraryOfOneVideo(dir, 4, DIM);
    const served = await ReloadingLibrary.open(() => openLibrary(libDir));
    const query = { vector: testVector(DIM, 7) };
    const running = Array.from({ length: 8 }, () => served.search(query));
    const writer = await openLibrary(libDir);
    await writer.importSegments(await writeJsonl(dir, 'b.jsonl', clipSegments('b.mp4', 1, DIM, 3)), MODEL);
    await writer.close();
    const results = await Promise.all([...running, served.search(query)]);
    for (const result of results.slice(0, 8)) expect([4, 5]).toContain(result.page_info.total_results);
    expect(results[8]?.page_info.total_results).toBe(5);
    await served.close();
  });
});
