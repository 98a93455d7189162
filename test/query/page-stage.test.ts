import { describe, expect, it } from 'vitest';
import type { PageRecord } from '../../src/query/page-record-codec.js';
import { PageTokenError } from '../../src/query/page-token-error.js';
import { emptyResponse, firstPageResponse, replayedSearch } from '../../src/query/search-pipeline.js';
import type { PageRecordStore } from '../../src/query/search-storage.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { labelOf, prepared, stageLibrary, unit } from './stages/stage-fixture.js';

const tempDir = useTempDirs();

/** Page records in memory; `unavailable` says why they cannot be kept, when set. */
function memoryPages(unavailable?: string): PageRecordStore & { records: Map<string, PageRecord> } {
  const records = new Map<string, PageRecord>();
  let next = 0;
  return {
    records,
    newId: () => (next++).toString(16).padStart(24, '0'),
    read: async (id) => records.get(id),
    writeSoon: (record) => void records.set(record.id, record),
    write: async (record) => void records.set(record.id, record),
    unavailable: async () => unavailable,
    flush: async () => undefined,
  };
}

describe('the page stage', () => {
  it('builds the response and stores a record with a next page token only when there are more results', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const search = prepared({ pageLimit: 2 }, [unit(1)], [labelOf(snapshot, 'v1', 0)]);
    const items = [labelOf(snapshot, 'v0', 6), labelOf(snapshot, 'v4', 12)].map((label) => ({
      labels: [label],
      best: label,
      score: 0.5,
      start: snapshot.facts.start[label] as number,
      end: snapshot.facts.end[label] as number,
    }));
    const pages = memoryPages();
    const more = await firstPageResponse(
      snapshot,
      search,
      { content: { kind: 'clips', items }, countAll: () => 9 },
      pages,
    );
    expect(more.data.map((hit) => [hit.rank, hit.video_id, hit.start, hit.embedding_scope, hit.metadata])).toEqual([
      [1, 'v0', 6, 'clip', { shard: 0 }],
      [2, 'v4', 12, 'clip', { shard: 1 }],
    ]);
    expect(more.page_info).toMatchObject({ limit_per_page: 2, total_results: 9 });
    expect(more.page_info.next_page_token).toBeDefined();
    expect(more.search_pool).toEqual({ total_count: 12, total_duration: 720, index_id: snapshot.manifest.id });
    const [record] = [...pages.records.values()];
    expect(record?.pages).toEqual([{ items: 2, labels: items.map((item) => item.best), videos: [] }]);
    expect(record?.excludedLabels).toEqual([...search.excluded]);
    expect(record?.generation).toBe(snapshot.manifest.generation);

    const last = await firstPageResponse(
      snapshot,
      search,
      { content: { kind: 'clips', items }, countAll: () => 2 },
      memoryPages(),
    );
    expect(last.page_info).toEqual({ limit_per_page: 2, total_results: 2 });

    const readOnly = await firstPageResponse(
      snapshot,
      search,
      { content: { kind: 'clips', items }, countAll: () => 9 },
      memoryPages('read-only'),
    );
    expect(readOnly.page_info).toEqual({ limit_per_page: 2, total_results: 9, paging_unavailable: 'read-only' });
    expect(emptyResponse(snapshot, search.search)).toEqual({
      data: [],
      page_info: { limit_per_page: 2, total_results: 0 },
      search_pool: { total_count: 0, total_duration: 0, index_id: snapshot.manifest.id },
    });
    await lib.close();
  });

  it('replays a token of this generation and refuses one of another', async () => {
    const { lib, snapshot } = await stageLibrary(await tempDir());
    const search = prepared({ pageLimit: 1 }, [unit(1)]);
    const label = labelOf(snapshot, 'v2', 0);
    const pages = memoryPages();
    const first = await firstPageResponse(
      snapshot,
      search,
      {
        content: { kind: 'clips', items: [{ labels: [label], best: label, score: 0.5, start: 0, end: 6 }] },
        countAll: () => 5,
      },
      pages,
    );
    const token = first.page_info.next_page_token ?? '';
    const replay = await replayedSearch(token, snapshot, pages);
    expect(replay.page).toBe(2);
    expect(replay.earlier).toEqual([{ items: 1, labels: [label], videos: [] }]);
    expect(replay.prepared.search).toEqual(search.search);
    for (const record of pages.records.values())
      pages.records.set(record.id, { ...record, generation: record.generation - 1 });
    await expect(replayedSearch(token, snapshot, pages)).rejects.toThrow(PageTokenError);
    await expect(replayedSearch(token, snapshot, pages)).rejects.toThrow(/the library changed/);
    await lib.close();
  });
});
