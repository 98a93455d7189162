import { InputError } from '../errors.js';
import type { LibrarySnapshot } from './library-snapshot.js';
import { PAGE_TTL_MS, type PageRecord, type ReturnedPage, type StoredSearch } from './page-record-codec.js';
import { PageTokenError } from './page-token-error.js';
import { PartitionRetrieval } from './partition-retrieval.js';
import type { RetrievalIndex } from './retrieval-index.js';
import type { ClipHit, PageInfo, SearchResponse, VideoHit } from './search-response.js';
import type { PageRecordStore, SearchStorage } from './search-storage.js';
import { groupVideos, type VideoGroup } from './stages/group.js';
import {
  confidenceOf,
  countResults,
  LabelScorer,
  type MatchItem,
  matchClips,
  pageRulesOf,
  VideoMatches,
} from './stages/match.js';
import {
  type NormalizedSearch,
  normalizeSearch,
  type PrepareContext,
  type PreparedSearch,
  prepareSearch,
  type SearchRequest,
} from './stages/prepare.js';
import {
  DEFAULT_RETRIEVAL_PLAN,
  poolFor,
  type RetrievalPlan,
  type RetrievalStep,
  retrieve,
} from './stages/retrieve.js';

export interface SearchContext extends Omit<PrepareContext, 'queryCache'> {
  readonly storage: SearchStorage;
  /** When retrieval scans exactly rather than asking the ANN index (default DEFAULT_RETRIEVAL_PLAN). */
  readonly plan?: RetrievalPlan | undefined;
  /** Sees every retrieval round (benchmarks, tests). */
  readonly onStep?: ((step: RetrievalStep) => void) | undefined;
}

/**
 * A search, as one pipeline over the snapshot of the library's current generation:
 * prepare (inputs to query vectors, options checked once) -> pool (which labels may match)
 * -> retrieve (ANN index or exact scan) -> match (floors, "and", merging) or group (by video)
 * -> page (page record, tokens, the response). A page token replays its stored search from
 * the pool stage on, without embedding again.
 */
export async function runSearch(request: SearchRequest, context: SearchContext): Promise<SearchResponse> {
  const snapshot = await context.storage.snapshot();
  if (request.pageToken !== undefined) return searchPage(snapshot, request.pageToken, context);
  const prepared = await prepareSearch(request, snapshot, { ...context, queryCache: context.storage.queryCache });
  return firstPage(snapshot, prepared, context);
}

/** The first page of a prepared search. */
export async function firstPage(
  snapshot: LibrarySnapshot,
  prepared: PreparedSearch,
  context: SearchContext,
): Promise<SearchResponse> {
  if (snapshot.index === undefined) return emptyResponse(snapshot, prepared.search);
  const page = await computePage(snapshot, snapshot.index, prepared, [], context);
  return firstPageResponse(snapshot, prepared, page, context.storage.pages);
}

/** The page a `next_page_token` or `prev_page_token` names, replayed from its record. */
export async function searchPage(
  snapshot: LibrarySnapshot,
  token: string,
  context: SearchContext,
): Promise<SearchResponse> {
  const replay = await replayedSearch(token, snapshot, context.storage.pages);
  if (snapshot.index === undefined) throw new InputError('the library is closed or empty');
  const page = await computePage(snapshot, snapshot.index, replay.prepared, replay.earlier, context);
  return replayedPageResponse(snapshot, replay, page, context.storage.pages);
}

async function computePage(
  snapshot: LibrarySnapshot,
  graph: RetrievalIndex,
  prepared: PreparedSearch,
  earlier: readonly ReturnedPage[],
  context: SearchContext,
): Promise<ComputedPage> {
  const { facts } = snapshot;
  const index =
    prepared.partitionProbes === undefined
      ? graph
      : new PartitionRetrieval(graph, await snapshot.clipPartitions(), prepared.partitionProbes);
  const pool = poolFor(facts, prepared, earlier);
  const rules = pageRulesOf(prepared, snapshot.manifest.model);
  const scorer = new LabelScorer(snapshot);
  // Floors, merging and grouping score whole videos: they read the stored vectors. Several
  // queries alone score only each round's few candidates, which the index's copies serve.
  if (rules.scoresVideos || (prepared.queries.length > 1 && !scorer.canScore)) await scorer.load();
  const matches = rules.scoresVideos ? new VideoMatches(pool, scorer, rules) : undefined;
  const stream = retrieve(prepared, {
    index,
    pool,
    scorer,
    plan: context.plan ?? DEFAULT_RETRIEVAL_PLAN,
    onStep: context.onStep,
  });
  const limit = prepared.search.pageLimit;
  const countAll = (): number => countResults(pool, matches, rules, earlier);
  if (rules.grouped && matches !== undefined)
    return { content: { kind: 'videos', groups: await groupVideos(stream, matches, facts, rules, limit) }, countAll };
  return { content: { kind: 'clips', items: await matchClips(stream, matches, facts, rules, limit) }, countAll };
}

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
        ...(prepared.partitionProbes === undefined ? {} : { partitionProbes: prepared.partitionProbes }),
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
    partitionProbes: record.partitionProbes,
  };
  return { record, page, prepared, earlier: record.pages.slice(0, page - 1) };
}

/** A page of a replayed search; when it came out differently from before, the pages after it are dropped. */
async function replayedPageResponse(
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

export interface PageTokenParts {
  recordId: string;
  /** 1-based. */
  page: number;
}

const TOKEN_TEXT = /^([0-9a-f]{24})-([1-9][0-9]{0,6})$/;

/** An opaque page token: base64url of "<record id>-<page>". */
export function encodePageToken(parts: PageTokenParts): string {
  return Buffer.from(`${parts.recordId}-${parts.page}`, 'latin1').toString('base64url');
}

export function decodePageToken(token: string): PageTokenParts {
  const match = /^[A-Za-z0-9_-]{1,64}$/.test(token)
    ? TOKEN_TEXT.exec(Buffer.from(token, 'base64url').toString('utf8'))
    : null;
  if (match === null) throw new PageTokenError(`${JSON.stringify(token)} is not a page token vsearch issued (invalid)`);
  return { recordId: match[1] as string, page: Number(match[2]) };
}
