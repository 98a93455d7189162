import { InputError } from '../errors.js';
import { LabelScorer } from './label-scorer.js';
import type { LibrarySnapshot } from './library-snapshot.js';
import type { ReturnedPage } from './page-record-codec.js';
import type { RetrievalIndex } from './retrieval-index.js';
import type { SearchRequest } from './search-request.js';
import type { SearchResponse } from './search-response.js';
import type { SearchStorage } from './search-storage.js';
import { groupVideos } from './stages/group.js';
import { countResults, matchClips, pageRulesOf } from './stages/match.js';
import {
  type ComputedPage,
  emptyResponse,
  firstPageResponse,
  replayedPageResponse,
  replayedSearch,
} from './stages/page.js';
import { poolFor } from './stages/pool.js';
import { type PrepareContext, type PreparedSearch, prepareSearch } from './stages/prepare.js';
import { DEFAULT_RETRIEVAL_PLAN, type RetrievalPlan, type RetrievalStep, retrieve } from './stages/retrieve.js';
import { VideoMatches } from './video-matches.js';

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
  index: RetrievalIndex,
  prepared: PreparedSearch,
  earlier: readonly ReturnedPage[],
  context: SearchContext,
): Promise<ComputedPage> {
  const { facts } = snapshot;
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
