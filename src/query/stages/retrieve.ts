import { InputError } from '../../errors.js';
import type { KnnResult } from '../../index/vector-index.js';
import type { LabelFacts } from '../label-facts.js';
import type { ReturnedPage } from '../page-record-codec.js';
import type { RetrievalIndex } from '../retrieval-index.js';
import { compileSearchFilter, type SearchFilter } from '../search-filter.js';
import type { LabelScorer } from './match.js';
import { embeddingOptionsFor, type PreparedSearch, type SearchOption } from './prepare.js';

export interface Candidate {
  label: number;
  /** Cosine similarity, best over the queries: the index's for one query, else computed from the stored vectors. */
  score: number;
}

/** When retrieval scans the available labels exactly instead of asking the ANN index. */
export interface RetrievalPlan {
  /** Scan exactly when at most this many labels are available... */
  exactPoolMin: number;
  /** ...or when they are at most this share of the index. */
  exactPoolFraction: number;
  /** ANN rounds that come back short (a filter too selective for the graph) before scanning exactly. */
  maxShortRounds: number;
}

export const DEFAULT_RETRIEVAL_PLAN: RetrievalPlan = { exactPoolMin: 2000, exactPoolFraction: 0.05, maxShortRounds: 3 };

export interface RetrievalStep {
  strategy: 'exact' | 'ann';
  k: number;
  ef: number;
  /** Fewest labels any query's ANN search returned (ANN steps). */
  returned: number;
}

export interface CandidateStreamOptions {
  index: RetrievalIndex;
  pool: SearchPool;
  /** This search's scorer: several queries and exact scans score labels themselves. */
  scorer: LabelScorer;
  queries: readonly Float32Array[];
  ef: number;
  /** Candidates per query of the first ANN round. */
  startK: number;
  plan: RetrievalPlan;
  onStep?: ((step: RetrievalStep) => void) | undefined;
}

/** How many candidates per wanted hit a grouped or "and" search starts with... */
const GROUP_OVERFETCH = 8;
/** ...and a search by clip. */
const CLIP_OVERFETCH = 2;

/**
 * Stage 3: the page's candidates, best first, from the ANN index (or an exact scan of the
 * pool). The plain first page (one query, nothing filtered) is settled by the stream's
 * first ANN round; everything else reads on as far as it needs.
 */
export function retrieve(
  prepared: PreparedSearch,
  options: Omit<CandidateStreamOptions, 'queries' | 'ef' | 'startK'>,
): CandidateStream {
  const { search, queries } = prepared;
  const wide = search.groupBy === 'video' || (search.operator === 'and' && queries.length > 1);
  const { index, pool, scorer, plan, onStep } = options;
  return new CandidateStream({
    index,
    pool,
    scorer,
    plan,
    onStep,
    queries,
    ef: prepared.ef,
    startK: search.pageLimit * (wide ? GROUP_OVERFETCH : CLIP_OVERFETCH),
  });
}

/** Scores from the index and from the stored vectors differ in the last float bits. */
const SCORE_SLACK = 1e-5;

/**
 * The available labels in order of score, produced lazily: each ANN round asks every query
 * for its top k (filtered to the pool) and hands out only candidates that no unseen label can
 * beat (scores above the best k-th score of an incomplete list); when it runs dry, k and ef
 * widen. A round that comes back short counts against `maxShortRounds`; past it, or once k
 * nears the pool's size, the available labels are scanned exactly, which is complete.
 * An index whose rounds are promises (PostgreSQL) is awaited by `next`; `take` then hands out
 * only what is buffered.
 */
export class CandidateStream {
  readonly #options: CandidateStreamOptions;
  /** Labels handed out by earlier rounds (later rounds find them again); unset during the first round's buffer. */
  #given: Set<number> | undefined;
  #buffer: Candidate[] = [];
  #position = 0;
  #bound = Number.POSITIVE_INFINITY;
  #complete = false;
  #k: number;
  #ef: number;
  #shortRounds = 0;
  /** A round the index answers asynchronously, in flight. */
  #pending: Promise<void> | undefined;

  constructor(options: CandidateStreamOptions) {
    this.#options = options;
    this.#k = Math.max(1, options.startK);
    this.#ef = options.ef;
  }

  /** The next candidate, searching wider when the buffer runs dry; undefined when none is left. */
  async next(): Promise<Candidate | undefined> {
    for (;;) {
      const candidate = this.take();
      if (candidate !== undefined || this.#complete) return candidate;
      if (this.#pending !== undefined) {
        const pending = this.#pending;
        await pending.finally(() => {
          if (this.#pending === pending) this.#pending = undefined;
        });
        continue;
      }
      const { index, scorer } = this.#options;
      if (index.scanPool !== undefined && this.#exactNext()) {
        this.#pending = this.#scanInIndex(index.scanPool.bind(index));
        continue;
      }
      // take() stopped because the next round scores labels itself: it needs the stored vectors.
      await scorer.load();
    }
  }

  /**
   * The next candidate, searching wider when that needs no reading (so without awaiting):
   * callers write `stream.take() ?? (await stream.next())` and pay a microtask only when a
   * round must read the stored vectors first. The plain first page never does.
   */
  take(): Candidate | undefined {
    for (;;) {
      const candidate = this.#buffered();
      if (candidate !== undefined || this.#complete || this.#pending !== undefined) return candidate;
      const exact = this.#exactNext();
      const { scorer, queries, index } = this.#options;
      // An exact scan scores every available label (the stored vectors, or the index where they live);
      // several queries score each other's candidates.
      if (exact ? index.scanPool !== undefined || !scorer.loaded : queries.length > 1 && !scorer.canScore)
        return undefined;
      if (exact) this.#scanExactly();
      else {
        this.#pending = this.#annRound();
        if (this.#pending !== undefined) return undefined;
      }
    }
  }

  #buffered(): Candidate | undefined {
    while (this.#position < this.#buffer.length) {
      const candidate = this.#buffer[this.#position] as Candidate;
      if (!this.#complete && candidate.score <= this.#bound + SCORE_SLACK) return undefined;
      this.#position++;
      if (this.#given !== undefined) {
        if (this.#given.has(candidate.label)) continue;
        this.#given.add(candidate.label);
      }
      return candidate;
    }
    return undefined;
  }

  #exactNext(): boolean {
    const { pool, index, plan } = this.#options;
    const available = pool.available;
    const small = available <= Math.max(plan.exactPoolMin, plan.exactPoolFraction * index.size);
    return small || this.#k * 2 >= available || this.#shortRounds >= plan.maxShortRounds;
  }

  #scanExactly(): void {
    const { pool, queries, scorer } = this.#options;
    const candidates: Candidate[] = [];
    pool.forEachAvailable((label) => candidates.push({ label, score: bestScore(scorer, queries, label) }));
    candidates.sort(byScore);
    this.#install(candidates);
    this.#complete = true;
    this.#options.onStep?.({ strategy: 'exact', k: candidates.length, ef: 0, returned: candidates.length });
  }

  /** Asks the index for a round; a promise when the index answers asynchronously. */
  #annRound(): Promise<void> | undefined {
    const { pool, index, queries } = this.#options;
    const k = this.#k;
    const ef = Math.max(this.#ef, k);
    const round = pool.restricted
      ? { ef, pool, filter: (label: number): boolean => pool.isAvailable(label) }
      : { ef, pool };
    const answers = queries.map((query) => index.search(query, k, round));
    if (answers.every((answer): answer is KnnResult => !(answer instanceof Promise))) {
      this.#settleRound(answers, k, ef);
      return undefined;
    }
    return Promise.all(answers).then((results) => this.#settleRound(results, k, ef));
  }

  #settleRound(results: readonly KnnResult[], k: number, ef: number): void {
    const { pool, queries, scorer } = this.#options;
    const want = Math.min(k, pool.available);
    let bound = Number.NEGATIVE_INFINITY;
    let complete = true;
    let fewest = Number.POSITIVE_INFINITY;
    for (const result of results) {
      fewest = Math.min(fewest, result.labels.length);
      if (result.labels.length < pool.available) {
        complete = false;
        bound = Math.max(bound, result.scores[result.scores.length - 1] ?? Number.POSITIVE_INFINITY);
      }
    }
    this.#options.onStep?.({ strategy: 'ann', k, ef, returned: fewest });
    if (fewest < want) {
      // The graph could not find k allowed labels: search wider before trusting any order.
      this.#shortRounds++;
      this.#ef = ef * 4;
      this.#k = k * 2;
      return;
    }
    const candidates: Candidate[] = [];
    const [only] = results;
    if (only !== undefined && results.length === 1) {
      only.labels.forEach(
        (label, i) => pool.isAvailable(label) && candidates.push({ label, score: only.scores[i] as number }),
      );
    } else {
      const seen = new Set<number>();
      for (const result of results) for (const label of result.labels) seen.add(label);
      for (const label of seen)
        if (pool.isAvailable(label)) candidates.push({ label, score: bestScore(scorer, queries, label) });
    }
    // The index answers best first; only ties (and several queries) need reordering.
    if (!isSorted(candidates)) candidates.sort(byScore);
    this.#install(candidates);
    this.#bound = bound;
    this.#complete = complete;
    this.#k = k * 4;
  }

  /** The exact scan done by the index where the vectors live: each query's full ranking of the pool, best over the queries. */
  async #scanInIndex(scan: (query: Float32Array, pool: SearchPool) => Promise<KnnResult>): Promise<void> {
    const { pool, queries } = this.#options;
    const best = new Map<number, number>();
    for (const result of await Promise.all(queries.map((query) => scan(query, pool)))) {
      result.labels.forEach((label, i) => {
        const score = result.scores[i] as number;
        if (pool.isAvailable(label) && score > (best.get(label) ?? Number.NEGATIVE_INFINITY)) best.set(label, score);
      });
    }
    const candidates = [...best].map(([label, score]) => ({ label, score }));
    candidates.sort(byScore);
    this.#install(candidates);
    this.#complete = true;
    this.#options.onStep?.({ strategy: 'exact', k: candidates.length, ef: 0, returned: candidates.length });
  }

  /** A new round's candidates; what the round before handed out is remembered, as this one finds it again. */
  #install(candidates: Candidate[]): void {
    if (this.#position > 0) {
      this.#given ??= new Set();
      for (let i = 0; i < this.#position; i++) this.#given.add((this.#buffer[i] as Candidate).label);
    }
    this.#buffer = candidates;
    this.#position = 0;
  }
}

function isSorted(candidates: readonly Candidate[]): boolean {
  for (let i = 1; i < candidates.length; i++)
    if (byScore(candidates[i - 1] as Candidate, candidates[i] as Candidate) > 0) return false;
  return true;
}

/** operator "or": a clip's score is its best over the queries. */
function bestScore(scorer: LabelScorer, queries: readonly Float32Array[], label: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const query of queries) best = Math.max(best, scorer.dot(query, label));
  return best;
}

function byScore(a: Candidate, b: Candidate): number {
  return b.score - a.score || a.label - b.label;
}

export interface SearchPoolSpec {
  searchOptions: readonly SearchOption[] | undefined;
  filter: SearchFilter | undefined;
  /**
   * Only clip rows (LabelFacts.clipRow): a clip search. A search grouped by video also lets
   * whole-video vectors and twins rank videos, and lists clips through VideoMatches.
   */
  clipsOnly: boolean;
  /** Never results (the segment of a "more like this" query and its twins). */
  excludedLabels: ReadonlySet<number>;
  /** Returned on earlier pages: clips (group by clip) or video ordinals (group by video). */
  returnedLabels: ReadonlySet<number>;
  returnedVideos: ReadonlySet<number>;
}

/**
 * Stage 2: the labels a page may return, from the search's options and filter, its exclusions
 * and what the pages before it returned.
 */
export function poolFor(facts: LabelFacts, prepared: PreparedSearch, earlier: readonly ReturnedPage[]): SearchPool {
  const { search } = prepared;
  const spec = {
    searchOptions: search.searchOptions,
    filter: search.filter,
    clipsOnly: search.groupBy === 'clip',
    excludedLabels: prepared.excluded,
  };
  if (earlier.length === 0) return new SearchPool(facts, { ...spec, returnedLabels: NONE, returnedVideos: NONE });
  const returnedVideos = new Set<number>();
  for (const page of earlier) {
    for (const id of page.videos) {
      const ordinal = facts.videoOrdinals.get(id);
      if (ordinal !== undefined) returnedVideos.add(ordinal);
    }
  }
  return new SearchPool(facts, {
    ...spec,
    returnedLabels: new Set(earlier.flatMap((page) => page.labels)),
    returnedVideos,
  });
}

const NONE: ReadonlySet<number> = new Set();

/**
 * The labels a search may return. The base pool (search options, filter, exclusions) decides
 * what matches at all, so totals, merges and `and` stay the same from page to page; the
 * available pool also leaves out what earlier pages returned, and is what retrieval searches.
 */
export class SearchPool {
  readonly facts: LabelFacts;
  /** What the pool was made from (a PostgreSQL index pushes it down as SQL). */
  readonly spec: Readonly<SearchPoolSpec>;
  /** Labels available to retrieval. */
  readonly available: number;
  /** False when every stored label is available, so retrieval needs no filter callback. */
  readonly restricted: boolean;
  readonly #groupOk: Uint8Array;
  readonly #optionOk: Uint8Array;
  readonly #excluded: ReadonlySet<number>;
  readonly #clipsOnly: boolean;
  readonly #returnedLabels: ReadonlySet<number>;
  readonly #returnedVideos: Uint8Array;
  /** No filter and no video returned before: every group counts whole. */
  readonly #unfiltered: boolean;

  constructor(facts: LabelFacts, spec: SearchPoolSpec) {
    this.facts = facts;
    this.spec = spec;
    const masks = unrestrictedMasks(facts);
    this.#optionOk = spec.searchOptions === undefined ? masks.options : optionMask(facts, spec.searchOptions);
    this.#groupOk = spec.filter === undefined ? masks.groups : new Uint8Array(facts.groups.length).fill(1);
    if (spec.filter !== undefined) {
      const matches = compileSearchFilter(spec.filter);
      facts.groups.forEach((group, i) => {
        const video = facts.videos[group.video];
        if (video === undefined) return;
        this.#groupOk[i] = matches({
          videoId: video.id,
          durationSec: video.durationSec,
          filename: group.filename,
          metadata: group.metadata,
        })
          ? 1
          : 0;
      });
    }
    this.#excluded = spec.excludedLabels;
    this.#clipsOnly = spec.clipsOnly && !facts.allClipRows;
    this.#returnedLabels = spec.returnedLabels;
    this.#returnedVideos = spec.returnedVideos.size === 0 ? masks.noVideos : new Uint8Array(facts.videos.length);
    for (const video of spec.returnedVideos) this.#returnedVideos[video] = 1;
    this.#unfiltered = spec.filter === undefined && spec.returnedVideos.size === 0;
    this.available = this.#countAvailable();
    this.restricted = this.available !== facts.size;
  }

  /**
   * Without an option restriction, by group sizes less the few labels left out one by one;
   * otherwise label by label. The common unfiltered first page costs next to nothing.
   */
  #countAvailable(): number {
    if (
      this.#clipsOnly ||
      (this.#optionOk !== unrestrictedMasks(this.facts).options && !this.#optionOk.every((ok) => ok === 1))
    ) {
      let available = 0;
      this.forEachAvailable(() => available++);
      return available;
    }
    let available = this.facts.size;
    if (!this.#unfiltered && (this.#groupOk.includes(0) || this.#returnedVideos.includes(1))) {
      available = 0;
      this.facts.groups.forEach((group, i) => {
        if (this.#groupOk[i] === 1 && this.#returnedVideos[group.video] !== 1) available += group.labels.length;
      });
    }
    if (this.#excluded.size === 0 && this.#returnedLabels.size === 0) return available;
    const left = new Set<number>();
    for (const labels of [this.#excluded, this.#returnedLabels]) {
      for (const label of labels) {
        if (!this.facts.has(label) || left.has(label)) continue;
        const group = this.facts.group[label] as number;
        if (this.#groupOk[group] === 1 && this.#returnedVideos[this.facts.video[label] as number] !== 1)
          left.add(label);
      }
    }
    return available - left.size;
  }

  inBase(label: number): boolean {
    const facts = this.facts;
    return (
      facts.has(label) &&
      (!this.#clipsOnly || facts.clipRow[label] === 1) &&
      this.#optionOk[facts.option[label] as number] === 1 &&
      this.#groupOk[facts.group[label] as number] === 1 &&
      !this.#excluded.has(label)
    );
  }

  isAvailable(label: number): boolean {
    return (
      this.inBase(label) &&
      this.#returnedVideos[this.facts.video[label] as number] !== 1 &&
      !this.#returnedLabels.has(label)
    );
  }

  /** Every available label, group by group. */
  forEachAvailable(visit: (label: number) => void): void {
    this.facts.groups.forEach((group, i) => {
      if (this.#groupOk[i] !== 1 || this.#returnedVideos[group.video] === 1) return;
      for (const label of group.labels) if (this.isAvailable(label)) visit(label);
    });
  }

  /** The base-pool labels of one video, ordered by embedding option then start. */
  videoLabels(video: number): number[] {
    const labels = this.facts.videos[video]?.labels ?? new Uint32Array(0);
    const kept: number[] = [];
    for (const label of labels) if (this.inBase(label)) kept.push(label);
    return kept;
  }

  /** Videos with at least one base-pool label. */
  videosInBase(): number[] {
    const seen = new Uint8Array(this.facts.videos.length);
    this.facts.groups.forEach((group, i) => {
      if (this.#groupOk[i] !== 1 || seen[group.video] === 1) return;
      if (group.labels.some((label) => this.inBase(label))) seen[group.video] = 1;
    });
    const videos: number[] = [];
    seen.forEach((flag, video) => flag === 1 && videos.push(video));
    return videos;
  }
}

interface Masks {
  readonly options: Uint8Array;
  readonly groups: Uint8Array;
  readonly noVideos: Uint8Array;
}

/**
 * The masks of a pool that restricts nothing, made once per facts and only ever read: the plain
 * search allocates none. (A pool that filters or leaves out videos makes its own.)
 */
const UNRESTRICTED = new WeakMap<LabelFacts, Masks>();

function unrestrictedMasks(facts: LabelFacts): Masks {
  let masks = UNRESTRICTED.get(facts);
  if (masks === undefined) {
    masks = {
      options: new Uint8Array(Math.max(1, facts.options.length)).fill(1),
      groups: new Uint8Array(facts.groups.length).fill(1),
      noVideos: new Uint8Array(facts.videos.length),
    };
    UNRESTRICTED.set(facts, masks);
  }
  return masks;
}

function optionMask(facts: LabelFacts, searchOptions: readonly SearchOption[] | undefined): Uint8Array {
  const mask = new Uint8Array(Math.max(1, facts.options.length)).fill(searchOptions === undefined ? 1 : 0);
  if (searchOptions === undefined) return mask;
  const wanted = new Set(searchOptions.flatMap((option) => embeddingOptionsFor(option)));
  let any = false;
  facts.options.forEach((name, code) => {
    if (!wanted.has(name)) return;
    mask[code] = 1;
    any = true;
  });
  if (!any) {
    const held = [...facts.options].sort().join(', ') || 'none';
    throw new InputError(
      `this library has no ${searchOptions.join(' or ')} segments (it holds ${held}); drop \`searchOptions\` or pick one of those`,
    );
  }
  return mask;
}
