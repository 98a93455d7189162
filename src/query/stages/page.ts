import { confidenceOf } from '../confidence.js';
import type { LibrarySnapshot } from '../library-snapshot.js';
import type { PageRecord, ReturnedPage, StoredSearch } from '../page-record-codec.js';
import { PAGE_TTL_MS } from '../page-records.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { PageTokenError } from '../page-token-error.js';
import { type NormalizedSearch, normalizeSearch } from '../search-request.js';
import type { ClipHit, PageInfo, SearchResponse, VideoHit } from '../search-response.js';
import type { PageRecordStore } from '../search-storage.js';
import type { MatchItem } from '../video-matches.js';
import type { VideoGroup } from './group.js';
import type { PreparedSearch } from './prepare.js';

/** What the stages before found for one page. */
type PageContent = { kind: 'clips'; items: MatchItem[] } | { kind: 'videos'; groups: VideoGroup[] };

export interface ComputedPage {
  content: PageContent;
  /** Every result of the search across all its pages (counted only for a first page: a record keeps it). */
  countAll: () => number;
}

/** A replayed search: its record, the page asked for (1-based) and the pages before it. */
export interface ReplayedSearch {
  record: PageRecord;
  page: number;
  prepared: PreparedSearch;
  earlier: readonly ReturnedPage[];
}

/**
 * Stage 6: the response. The first page of a search stores a page record when there are more
 * results (or says why paging is unavailable); a replayed page checks that it came out as
 * before; both build the response here, in `respond`.
 */
export async function firstPageResponse(
  snapshot: LibrarySnapshot,
  prepared: PreparedSearch,
  page: ComputedPage,
  pages: PageRecordStore,
): Promise<SearchResponse> {
  const { pageLimit } = prepared.search;
  const returned = returnedOf(snapshot, page.content);
  const total = page.countAll();
  const info: PageInfo = { limit_per_page: pageLimit, total_results: total };
  if (returned.items === pageLimit && returned.items < total) {
    const unavailable = await pages.unavailable();
    if (unavailable !== undefined) info.paging_unavailable = unavailable;
    else {
      const now = Date.now();
      const record: PageRecord = {
        version: 1,
        id: pages.newId(),
        libraryId: snapshot.manifest.id,
        generation: snapshot.manifest.generation,
        createdAt: new Date(now).toISOString(),
        queries: [...prepared.queries],
        search: storedSearch(prepared.search),
        excludedLabels: [...prepared.excluded],
        ef: prepared.ef,
        total,
        pages: [returned],
      };
      pages.writeSoon(record);
      info.next_page_token = encodePageToken({ recordId: record.id, page: 2 });
      info.page_expires_at = expiresAt(now);
    }
  }
  return respond(snapshot, page.content, 0, info);
}

/** The search a page token names, checked against this generation of the library. */
export async function replayedSearch(
  token: string,
  snapshot: LibrarySnapshot,
  pages: PageRecordStore,
): Promise<ReplayedSearch> {
  const { recordId, page } = decodePageToken(token);
  const record = await pages.read(recordId);
  const { manifest } = snapshot;
  if (record === undefined || record.libraryId !== manifest.id || page > record.pages.length + 1) {
    throw new PageTokenError(
      `${JSON.stringify(token)} names no search of this library (invalid, or pruned after 24 h)`,
    );
  }
  if (record.generation !== manifest.generation) {
    throw new PageTokenError(
      `the page token ${JSON.stringify(token)} expired: the library changed (an import or rm) after the search that issued it`,
    );
  }
  if (Date.now() - Date.parse(record.createdAt) > PAGE_TTL_MS)
    throw new PageTokenError(`the page token ${JSON.stringify(token)} expired: it is more than 24 h old`);
  const prepared: PreparedSearch = {
    queries: record.queries,
    search: normalizeSearch(record.search),
    excluded: new Set(record.excludedLabels),
    ef: record.ef ?? manifest.index.ef,
  };
  return { record, page, prepared, earlier: record.pages.slice(0, page - 1) };
}

/** A page of a replayed search; when it came out differently from before, the pages after it are dropped. */
export async function replayedPageResponse(
  snapshot: LibrarySnapshot,
  replay: ReplayedSearch,
  page: ComputedPage,
  pages: PageRecordStore,
): Promise<SearchResponse> {
  const { record, earlier } = replay;
  const number = replay.page;
  const { pageLimit } = replay.prepared.search;
  const returned = returnedOf(snapshot, page.content);
  const stored = record.pages[number - 1];
  const seen = earlier.reduce((sum, before) => sum + before.items, 0) + returned.items;
  const more = returned.items === pageLimit && seen < record.total;
  let unavailable: string | undefined;
  if (stored === undefined || !sameReturned(stored, returned)) {
    // Later pages were computed after a different version of this one: drop them. A library
    // that cannot be written keeps the old version, so this page gets no next token.
    unavailable = await pages.unavailable();
    if (unavailable === undefined) await pages.write({ ...record, pages: [...earlier, returned] });
  }
  const info: PageInfo = {
    limit_per_page: pageLimit,
    total_results: record.total,
    ...(more
      ? unavailable === undefined
        ? { next_page_token: encodePageToken({ recordId: record.id, page: number + 1 }) }
        : { paging_unavailable: unavailable }
      : {}),
    ...(number > 1 ? { prev_page_token: encodePageToken({ recordId: record.id, page: number - 1 }) } : {}),
    page_expires_at: expiresAt(Date.parse(record.createdAt)),
  };
  return respond(
    snapshot,
    page.content,
    earlier.reduce((sum, before) => sum + before.items, 0),
    info,
  );
}

/** The response of an empty library: no hits, nothing in the pool. */
export function emptyResponse(snapshot: LibrarySnapshot, search: NormalizedSearch): SearchResponse {
  return {
    data: [],
    page_info: { limit_per_page: search.pageLimit, total_results: 0 },
    search_pool: { total_count: 0, total_duration: 0, index_id: snapshot.manifest.id },
  };
}

/** The one place a search response is built: hits ranked after `offset` earlier results, the page info and the search pool. */
function respond(snapshot: LibrarySnapshot, content: PageContent, offset: number, pageInfo: PageInfo): SearchResponse {
  const data =
    content.kind === 'clips'
      ? content.items.map((item, i) => clipHit(snapshot, item, offset + i + 1))
      : content.groups.map(
          (group, i): VideoHit => ({
            ...clipHit(snapshot, group.top, offset + i + 1),
            clips: group.clips.map((item, j) => clipHit(snapshot, item, j + 1)),
          }),
        );
  const { manifest, facts } = snapshot;
  return {
    data,
    page_info: pageInfo,
    search_pool: { total_count: manifest.counts.videos, total_duration: facts.totalDuration, index_id: manifest.id },
  };
}

function clipHit(snapshot: LibrarySnapshot, item: MatchItem, rank: number): ClipHit {
  const { facts } = snapshot;
  const best = item.best;
  return {
    rank,
    video_id: facts.videos[facts.video[best] as number]?.id ?? '',
    start: item.start,
    end: item.end,
    score: item.score,
    confidence: confidenceOf(item.score, snapshot.manifest.model),
    embedding_option: facts.options[facts.option[best] as number] ?? '',
    embedding_scope: facts.scopeOf(best),
    metadata: facts.groups[facts.group[best] as number]?.metadata ?? {},
  };
}

/** What later pages must leave out. */
function returnedOf(snapshot: LibrarySnapshot, content: PageContent): ReturnedPage {
  if (content.kind === 'clips')
    return { items: content.items.length, labels: content.items.flatMap((item) => item.labels), videos: [] };
  return {
    items: content.groups.length,
    labels: [],
    videos: content.groups.map((group) => snapshot.facts.videos[group.video]?.id ?? ''),
  };
}

function sameReturned(a: ReturnedPage, b: ReturnedPage): boolean {
  return (
    a.items === b.items && a.labels.join() === b.labels.join() && a.videos.join('\u0000') === b.videos.join('\u0000')
  );
}

function storedSearch(search: NormalizedSearch): StoredSearch {
  return {
    groupBy: search.groupBy,
    operator: search.operator,
    pageLimit: search.pageLimit,
    threshold: search.threshold,
    mergeAdjacent: search.mergeAdjacent,
    ...(search.minScore === undefined ? {} : { minScore: search.minScore }),
    ...(search.searchOptions === undefined ? {} : { searchOptions: [...search.searchOptions] }),
    ...(search.filter === undefined ? {} : { filter: search.filter }),
  };
}

/** When the pages of a search made at `createdMs` expire, in whole seconds like the API's: "2026-01-01T00:00:00Z". */
function expiresAt(createdMs: number): string {
  return `${new Date(createdMs + PAGE_TTL_MS).toISOString().slice(0, 19)}Z`;
}
