import type { VectorIndex } from '../index/vector-index.js';
import type { SegmentStore } from '../store/index.js';
import { CandidateStream, DEFAULT_RETRIEVAL_PLAN, type RetrievalPlan, type RetrievalStep } from './candidate-stream.js';
import { firstRoundHits } from './first-round.js';
import { confidenceOf, thresholdFloor } from './confidence.js';
import { LabelFactsCache, type FactsSource, type LabelFacts, type PointLookup } from './label-facts.js';
import { PAGE_TTL_MS, PageRecords, type PageRecord, type ReturnedPage, type StoredSearch } from './page-records.js';
import { PageTokenError } from './page-token-error.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { SearchPool } from './search-pool.js';
import { normalizeSearch, type NormalizedSearch } from './search-request.js';
import type { ClipHit, SearchResponse, VideoHit } from './search-response.js';
import { VideoMatches, type MatchItem } from './video-matches.js';

export interface SearchEngineOptions {
  /** When retrieval scans exactly rather than asking the ANN index. */
  plan?: Partial<RetrievalPlan> | undefined;
  /** Sees every retrieval round (tests and benchmarks). */
  onStep?: ((step: RetrievalStep) => void) | undefined;
  /** Where the label facts come from (default: gathered from the store's files). */
  facts?: FactsSource | undefined;
}

interface PageRequest {
  facts: LabelFacts;
  queries: readonly Float32Array[];
  search: NormalizedSearch;
  excludedLabels: ReadonlySet<number>;
  earlier: readonly ReturnedPage[];
  ef: number;
}

interface PageResult {
  hits: ClipHit[] | VideoHit[];
  returned: ReturnedPage;
  /** Every result of the search across all its pages (exact; see README "total_results"). */
  countAll: () => number;
}

/** How many candidates per wanted hit a grouped or "and" search starts with. */
const GROUP_OVERFETCH = 8;
/** ...and a search by clip. */
const CLIP_OVERFETCH = 2;
/** Clips listed under each video of a search grouped by video (README, vsearch query, `--group-by video`). */
export const CLIPS_PER_VIDEO = 10;

/**
 * Runs searches over the ANN index with exact post-processing from the stored vectors:
 * filter and search options as one pool of allowed labels, score floors (min-score and
 * threshold), operator "and", adjacent-clip merging, grouping by video, and paging by token.
 */
export class SearchEngine {
  readonly #store: SegmentStore;
  readonly #index: () => VectorIndex;
  readonly #facts: LabelFactsCache;
  readonly #records: PageRecords;
  readonly #plan: RetrievalPlan;
  readonly #onStep: ((step: RetrievalStep) => void) | undefined;

  /** `index` is read at each search, so the library may swap in a rebuilt index. */
  constructor(store: SegmentStore, index: () => VectorIndex, options: SearchEngineOptions = {}) {
    this.#store = store;
    this.#index = index;
    this.#facts = new LabelFactsCache(store, options.facts);
    this.#records = new PageRecords(store.dir);
    this.#plan = { ...DEFAULT_RETRIEVAL_PLAN, ...definedOnly(options.plan ?? {}) };
    this.#onStep = options.onStep;
  }

  /** The first page of a search; `queries` are unit vectors; `ef` the ANN search breadth (default: the manifest's). */
  async search(queries: readonly Float32Array[], search: NormalizedSearch, exclude: ReadonlySet<number> = new Set(), ef = this.#store.manifest.index.ef): Promise<SearchResponse> {
    const facts = await this.#facts.get();
    const page = this.#plainFirstPage(facts, queries, search, exclude, ef) ?? (await this.#page({ facts, queries, search, excludedLabels: exclude, earlier: [], ef }));
    const total = page.countAll();
    const more = page.returned.items === search.pageLimit && page.returned.items < total;
    if (!more) return this.#response(facts, page.hits, { limit_per_page: search.pageLimit, total_results: total });
    const unavailable = await this.#records.unavailable();
    if (unavailable !== undefined) return this.#response(facts, page.hits, { limit_per_page: search.pageLimit, total_results: total, paging_unavailable: unavailable });
    const manifest = this.#store.manifest;
    const now = Date.now();
    const record: PageRecord = {
      version: 1,
      id: this.#records.newId(),
      libraryId: manifest.id,
      generation: manifest.generation,
      createdAt: new Date(now).toISOString(),
      queries: [...queries],
      search: storedSearch(search),
      excludedLabels: [...exclude],
      ef,
      total,
      pages: [page.returned],
    };
    this.#records.writeSoon(record);
    return this.#response(facts, page.hits, {
      limit_per_page: search.pageLimit,
      total_results: total,
      next_page_token: encodePageToken({ recordId: record.id, page: 2 }),
      page_expires_at: expiresAt(now),
    });
  }

  /** The page a `next_page_token` or `prev_page_token` names, replayed from its record without embedding. */
  async searchPage(token: string): Promise<SearchResponse> {
    const { recordId, page } = decodePageToken(token);
    const record = await this.#records.read(recordId);
    const manifest = this.#store.manifest;
    if (record === undefined || record.libraryId !== manifest.id || page > record.pages.length + 1) {
      throw new PageTokenError(`${JSON.stringify(token)} names no search of this library (invalid, or pruned after 24 h)`);
    }
    if (record.generation !== manifest.generation) {
      throw new PageTokenError(`the page token ${JSON.stringify(token)} expired: the library changed (an import or rm) after the search that issued it`);
    }
    if (Date.now() - Date.parse(record.createdAt) > PAGE_TTL_MS) throw new PageTokenError(`the page token ${JSON.stringify(token)} expired: it is more than 24 h old`);
    const search = normalizeSearch(record.search);
    const queries = record.queries;
    const facts = await this.#facts.get();
    const excludedLabels = new Set(record.excludedLabels);
    const result = await this.#page({ facts, queries, search, excludedLabels, earlier: record.pages.slice(0, page - 1), ef: record.ef ?? manifest.index.ef });
    const stored = record.pages[page - 1];
    const seen = record.pages.slice(0, page - 1).reduce((sum, earlier) => sum + earlier.items, 0) + result.returned.items;
    const more = result.returned.items === search.pageLimit && seen < record.total;
    let unavailable: string | undefined;
    if (stored === undefined || !sameReturned(stored, result.returned)) {
      // Later pages were computed after a different version of this one: drop them. A library
      // that cannot be written keeps the old version, so this page gets no next token.
      unavailable = await this.#records.unavailable();
      if (unavailable === undefined) await this.#records.write({ ...record, pages: [...record.pages.slice(0, page - 1), result.returned] });
    }
    return this.#response(facts, result.hits, {
      limit_per_page: search.pageLimit,
      total_results: record.total,
      ...(more ? (unavailable === undefined ? { next_page_token: encodePageToken({ recordId, page: page + 1 }) } : { paging_unavailable: unavailable }) : {}),
      ...(page > 1 ? { prev_page_token: encodePageToken({ recordId, page: page - 1 }) } : {}),
      page_expires_at: expiresAt(Date.parse(record.createdAt)),
    });
  }

  /** Waits for the page records of earlier searches to be on disk; throws if one could not be written. */
  flush(): Promise<void> {
    return this.#records.flush();
  }

  /** The labels facts of the current generation (for "more like this"). */
  facts(): Promise<LabelFacts> {
    return this.#facts.get();
  }

  /**
   * The first page of one query with nothing filtered, excluded, floored, merged or grouped
   * (the common search), from one ANN round: the same page `#page` gives, at a fraction of
   * its per-search work. Undefined when `#page` must run.
   */
  #plainFirstPage(facts: LabelFacts, queries: readonly Float32Array[], search: NormalizedSearch, exclude: ReadonlySet<number>, ef: number): PageResult | undefined {
    const query = queries[0];
    const plain = queries.length === 1 && exclude.size === 0 && search.filter === undefined && search.searchOptions === undefined;
    if (query === undefined || !plain || !facts.allClipRows || search.groupBy !== 'clip' || search.mergeAdjacent || this.#floor(search) !== undefined) return undefined;
    const candidates = firstRoundHits({
      index: this.#index(),
      available: facts.size,
      has: (label) => facts.has(label),
      query,
      ef,
      k: search.pageLimit * CLIP_OVERFETCH,
      want: search.pageLimit,
      plan: this.#plan,
      onStep: this.#onStep,
    });
    if (candidates === undefined) return undefined;
    const labels = candidates.map((candidate) => candidate.label);
    const hits = candidates.map(({ label, score }, i) => this.#clipHit(facts, { labels: [label], best: label, score, start: facts.start[label] as number, end: facts.end[label] as number }, i + 1));
    return { hits, returned: { items: hits.length, labels, videos: [] }, countAll: () => facts.size };
  }

  async #page(request: PageRequest): Promise<PageResult> {
    const { facts, queries, search, earlier } = request;
    const returnedVideos = new Set<number>();
    for (const page of earlier) for (const id of page.videos) {
      const ordinal = facts.videoOrdinals.get(id);
      if (ordinal !== undefined) returnedVideos.add(ordinal);
    }
    const pool = new SearchPool(facts, {
      searchOptions: search.searchOptions,
      filter: search.filter,
      clipsOnly: search.groupBy === 'clip',
      excludedLabels: request.excludedLabels,
      returnedLabels: new Set(earlier.flatMap((page) => page.labels)),
      returnedVideos,
    });
    const grouped = search.groupBy === 'video';
    // Grouped by video, a negative cosine is no match even with no floor asked: no video is
    // listed for it, and no clip under a video (README, vsearch query, `--group-by video`).
    const floor = grouped ? (this.#floor(search) ?? 0) : this.#floor(search);
    const every = search.operator === 'and' && queries.length > 1;
    // Grouping, floors and merging score whole videos (a floor's total, every label): they read
    // the store's vectors. Several queries alone score only each round's candidates, which the
    // index's own copies serve (a copy costs ~0.25 ms; the whole column, seconds and its size in RAM).
    const index = this.#index();
    facts.usePoints(pointsOf(index));
    if (grouped || floor !== undefined || search.mergeAdjacent || (queries.length > 1 && !facts.canScore)) await facts.loadVectors();
    const matches = new VideoMatches(pool, { queries, floor, every, mergeAdjacent: search.mergeAdjacent });
    const stream = new CandidateStream({
      index,
      pool,
      queries,
      ef: request.ef,
      startK: grouped || every ? search.pageLimit * GROUP_OVERFETCH : search.pageLimit * CLIP_OVERFETCH,
      plan: this.#plan,
      onStep: this.#onStep,
    });
    const offset = earlier.reduce((sum, page) => sum + page.items, 0);
    const countAll = (): number => {
      if (!grouped && floor === undefined && !search.mergeAdjacent) return pool.available + returnedCount(earlier);
      let count = 0;
      for (const video of pool.videosInBase()) count += grouped ? (matches.qualifies(video) ? 1 : 0) : matches.count(video);
      return count;
    };
    if (grouped) {
      const videos: number[] = [];
      const seen = new Set<number>();
      for (let candidate = stream.take() ?? (await stream.next()); candidate !== undefined && videos.length < search.pageLimit; candidate = stream.take() ?? (await stream.next())) {
        if (floor !== undefined && candidate.score < floor) break;
        const video = facts.video[candidate.label] as number;
        if (seen.has(video)) continue;
        seen.add(video);
        if (matches.qualifies(video)) videos.push(video);
      }
      const hits = videos.map((video, i): VideoHit => {
        const clips = matches.of(video).slice(0, CLIPS_PER_VIDEO);
        return { ...this.#clipHit(facts, matches.top(video) as MatchItem, offset + i + 1), clips: clips.map((item, j) => this.#clipHit(facts, item, j + 1)) };
      });
      return { hits, returned: { items: hits.length, labels: [], videos: videos.map((video) => facts.videos[video]?.id ?? '') }, countAll };
    }
    // Without "and" under a floor or merging, a clip's match depends on its own score alone.
    const simple = !search.mergeAdjacent && !(every && floor !== undefined);
    const items: MatchItem[] = [];
    const taken = new Set<MatchItem>();
    for (let candidate = stream.take() ?? (await stream.next()); candidate !== undefined && items.length < search.pageLimit; candidate = stream.take() ?? (await stream.next())) {
      if (floor !== undefined && candidate.score < floor) break;
      const { label } = candidate;
      const item = simple ? { labels: [label], best: label, score: candidate.score, start: facts.start[label] as number, end: facts.end[label] as number } : matches.itemOf(label);
      if (item === undefined || taken.has(item)) continue;
      taken.add(item);
      items.push(item);
    }
    const hits = items.map((item, i) => this.#clipHit(facts, item, offset + i + 1));
    return { hits, returned: { items: items.length, labels: items.flatMap((item) => item.labels), videos: [] }, countAll };
  }

  /** The lowest score a hit may have: the higher of min-score and the threshold's band. */
  #floor(search: NormalizedSearch): number | undefined {
    const floors = [search.minScore, thresholdFloor(search.threshold, this.#store.manifest.model)].filter((value): value is number => value !== undefined);
    return floors.length === 0 ? undefined : Math.max(...floors);
  }

  #clipHit(facts: LabelFacts, item: MatchItem, rank: number): ClipHit {
    const best = item.best;
    return {
      rank,
      video_id: facts.videos[facts.video[best] as number]?.id ?? '',
      start: item.start,
      end: item.end,
      score: item.score,
      confidence: confidenceOf(item.score, this.#store.manifest.model),
      embedding_option: facts.options[facts.option[best] as number] ?? '',
      embedding_scope: facts.scopeOf(best),
      metadata: facts.groups[facts.group[best] as number]?.metadata ?? {},
    };
  }

  #response(facts: LabelFacts, data: ClipHit[] | VideoHit[], pageInfo: SearchResponse['page_info']): SearchResponse {
    const manifest = this.#store.manifest;
    return { data, page_info: pageInfo, search_pool: { total_count: manifest.counts.videos, total_duration: facts.totalDuration, index_id: manifest.id } };
  }
}

/** The index's copies of label vectors, each fetched once per page (several queries score a label each). */
function pointsOf(index: VectorIndex): PointLookup | undefined {
  if (index.vectorOf === undefined) return undefined;
  const fetched = new Map<number, Float32Array | undefined>();
  return (label) => {
    if (!fetched.has(label)) fetched.set(label, index.vectorOf?.(label));
    return fetched.get(label);
  };
}

function returnedCount(pages: readonly ReturnedPage[]): number {
  return pages.reduce((sum, page) => sum + page.labels.length, 0);
}

function sameReturned(a: ReturnedPage, b: ReturnedPage): boolean {
  return a.items === b.items && a.labels.join() === b.labels.join() && a.videos.join('\u0000') === b.videos.join('\u0000');
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

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
