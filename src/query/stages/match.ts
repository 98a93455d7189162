import { VsearchError } from '../../errors.js';
import { dotProduct } from '../../index/dot-product.js';
import type { LabelFacts } from '../label-facts.js';
import type { LibrarySnapshot } from '../library-snapshot.js';
import type { ReturnedPage } from '../page-record-codec.js';
import type { RetrievalIndex } from '../retrieval-index.js';
import type { PreparedSearch } from './prepare.js';
import type { CandidateStream, SearchPool } from './retrieve.js';

export interface PageRules extends MatchRules {
  grouped: boolean;
  /**
   * Whether matching scores whole videos (grouping, a floor's total, merging): it reads the
   * stored vectors and needs VideoMatches. Otherwise a clip matches on its own score alone.
   */
  scoresVideos: boolean;
}

/** What makes a candidate a result: the score floor (min-score, threshold), operator "and", merging, grouping. */
export function pageRulesOf(prepared: PreparedSearch, model: string | null): PageRules {
  const { search, queries } = prepared;
  const band = thresholdFloor(search.threshold, model);
  const asked =
    search.minScore === undefined ? band : band === undefined ? search.minScore : Math.max(search.minScore, band);
  const grouped = search.groupBy === 'video';
  // Grouped by video, a negative cosine is no match even with no floor asked: no video is
  // listed for it, and no clip under a video (README, vsearch query, `--group-by video`).
  const floor = grouped ? (asked ?? 0) : asked;
  return {
    queries,
    floor,
    every: search.operator === 'and' && queries.length > 1,
    mergeAdjacent: search.mergeAdjacent,
    grouped,
    scoresVideos: grouped || floor !== undefined || search.mergeAdjacent,
  };
}

/**
 * Stage 4 (by clip): the page's hits from the candidates, best first: each candidate above the
 * floor, as itself or as the merged run holding it, each hit once.
 */
export async function matchClips(
  stream: CandidateStream,
  matches: VideoMatches | undefined,
  facts: LabelFacts,
  rules: PageRules,
  limit: number,
): Promise<MatchItem[]> {
  // Without "and" under a floor or merging, a clip's match depends on its own score alone.
  const simple = matches === undefined || (!rules.mergeAdjacent && !(rules.every && rules.floor !== undefined));
  const items: MatchItem[] = [];
  // Candidates come once each; only merged runs (several labels, one item) can come again.
  const taken = simple ? undefined : new Set<MatchItem>();
  for (
    let candidate = stream.take() ?? (await stream.next());
    candidate !== undefined && items.length < limit;
    candidate = stream.take() ?? (await stream.next())
  ) {
    if (rules.floor !== undefined && candidate.score < rules.floor) break;
    const { label } = candidate;
    const item = simple
      ? {
          labels: [label],
          best: label,
          score: candidate.score,
          start: facts.start[label] as number,
          end: facts.end[label] as number,
        }
      : matches.itemOf(label);
    if (item === undefined || taken?.has(item) === true) continue;
    taken?.add(item);
    items.push(item);
  }
  return items;
}

/** Every result of the search across all its pages: clips (merged hits), or videos grouped by video (README "total_results"). */
export function countResults(
  pool: SearchPool,
  matches: VideoMatches | undefined,
  rules: PageRules,
  earlier: readonly ReturnedPage[],
): number {
  if (!rules.scoresVideos || matches === undefined)
    return pool.available + earlier.reduce((sum, page) => sum + page.labels.length, 0);
  let count = 0;
  for (const video of pool.videosInBase())
    count += rules.grouped ? (matches.qualifies(video) ? 1 : 0) : matches.count(video);
  return count;
}

/** One hit: a clip, or with mergeAdjacent a run of consecutive matching clips. */
export interface MatchItem {
  /** In time order. */
  labels: number[];
  /** The label with the best score; its option and metadata describe the hit. */
  best: number;
  score: number;
  start: number;
  end: number;
}

export interface MatchRules {
  queries: readonly Float32Array[];
  /** The lowest score a segment may have to match (min-score and threshold); undefined: every segment matches. */
  floor: number | undefined;
  /** operator "and" over several queries: a video must be matched by every query. */
  every: boolean;
  mergeAdjacent: boolean;
}

/** What one video contributes: whether it matches, the segment that ranks it, its listed clips. */
interface VideoAnalysis {
  qualifies: boolean;
  /** The hit that describes the video: the listed item holding its best segment, else that segment alone. */
  top: MatchItem | undefined;
  /** Clip rows only, best first. */
  items: MatchItem[];
}

/** Clips whose end and next start differ by less than this are adjacent. */
const ADJACENT_SLACK = 1e-6;

/**
 * The exact matches of one video, computed from its stored vectors: a segment matches when its
 * best score over the queries reaches the floor; with `every`, a video matches only when each
 * query has some segment of it at or above the floor. Any base-pool segment (a whole-video
 * vector too) can make a video match and rank it; only clip rows are listed as items. Works on
 * the base pool (not on what pages left), so a video's matches are the same on every page.
 */
export class VideoMatches {
  readonly #pool: SearchPool;
  readonly #scorer: LabelScorer;
  readonly #rules: MatchRules;
  readonly #cache = new Map<number, VideoAnalysis>();
  readonly #itemOfLabel = new Map<number, MatchItem>();

  /** `scorer` must score every base-pool label (its vectors loaded, or the index's copies at hand). */
  constructor(pool: SearchPool, scorer: LabelScorer, rules: MatchRules) {
    this.#pool = pool;
    this.#scorer = scorer;
    this.#rules = rules;
  }

  /** The video's listed items, best first; empty when it does not qualify. */
  of(video: number): MatchItem[] {
    return this.#analysis(video).items;
  }

  /**
   * Whether the video matches the search (grouped by video: it is a result). A video not yet
   * analysed is scored only until the answer is known (for totals, which ask of every video).
   */
  qualifies(video: number): boolean {
    const known = this.#cache.get(video);
    if (known !== undefined) return known.qualifies;
    const { queries, floor, every } = this.#rules;
    const labels = this.#pool.videoLabels(video);
    if (floor === undefined) return labels.length > 0;
    const matchedBy = new Array<boolean>(queries.length).fill(false);
    let matched = 0;
    for (const label of labels) {
      for (let q = 0; q < queries.length; q++) {
        if (matchedBy[q] === true || this.#scorer.dot(queries[q] as Float32Array, label) < floor) continue;
        matchedBy[q] = true;
        matched++;
        if (!every || matched === queries.length) return true;
      }
    }
    return false;
  }

  /** The hit that describes a qualifying video. */
  top(video: number): MatchItem | undefined {
    return this.#analysis(video).top;
  }

  /** The item holding `label`, if the label is listed. */
  itemOf(label: number): MatchItem | undefined {
    const video = this.#pool.facts.video[label] as number;
    if (video < 0) return undefined;
    this.#analysis(video);
    return this.#itemOfLabel.get(label);
  }

  /** How many items a video lists, without keeping them (for totals); a video already analysed is not scored again. */
  count(video: number): number {
    const known = this.#cache.get(video);
    if (known !== undefined) return known.items.length;
    if (this.#rules.floor === undefined)
      return this.#groupRuns(this.#clipRows(this.#pool.videoLabels(video)), () => true).length;
    return this.#analyze(video).items.length;
  }

  #analysis(video: number): VideoAnalysis {
    let analysis = this.#cache.get(video);
    if (analysis === undefined) {
      analysis = this.#analyze(video);
      this.#cache.set(video, analysis);
      for (const item of analysis.items) for (const label of item.labels) this.#itemOfLabel.set(label, item);
    }
    return analysis;
  }

  #analyze(video: number): VideoAnalysis {
    const { queries, floor, every } = this.#rules;
    const facts = this.#pool.facts;
    const labels = this.#pool.videoLabels(video);
    const scores = new Map<number, number>();
    const matchedBy = new Array<boolean>(queries.length).fill(false);
    let best: number | undefined;
    for (const label of labels) {
      let score = Number.NEGATIVE_INFINITY;
      queries.forEach((query, q) => {
        const value = this.#scorer.dot(query, label);
        if (floor === undefined || value >= floor) matchedBy[q] = true;
        score = Math.max(score, value);
      });
      scores.set(label, score);
      if (best === undefined || score > (scores.get(best) as number)) best = label;
    }
    const scoreOf = (label: number): number => scores.get(label) as number;
    const qualifies =
      best !== undefined && (floor === undefined || scoreOf(best) >= floor) && (!every || matchedBy.every(Boolean));
    if (!qualifies || best === undefined) return { qualifies: false, top: undefined, items: [] };
    const listed = (label: number): boolean => floor === undefined || scoreOf(label) >= floor;
    const items = this.#groupRuns(this.#clipRows(labels), listed).map((run): MatchItem => {
      let top = run[0] as number;
      for (const label of run) if (scoreOf(label) > scoreOf(top)) top = label;
      return {
        labels: run,
        best: top,
        score: scoreOf(top),
        start: facts.start[run[0] as number] as number,
        end: facts.end[run[run.length - 1] as number] as number,
      };
    });
    items.sort((a, b) => b.score - a.score || a.best - b.best);
    const kept = this.#onePerSpan(items);
    const bestLabel = best;
    const top = kept.find((item) => item.labels.includes(bestLabel)) ?? {
      labels: [bestLabel],
      best: bestLabel,
      score: scoreOf(bestLabel),
      start: facts.start[bestLabel] as number,
      end: facts.end[bestLabel] as number,
    };
    return { qualifies, top, items: kept };
  }

  /**
   * Merged runs of two clip lengths can span the same time ([0,2]+[2,4] and [0,3]+[3,4]): the
   * better run stands for both, and the other's labels point to it, so no page lists the span twice.
   */
  #onePerSpan(items: MatchItem[]): MatchItem[] {
    if (!this.#rules.mergeAdjacent) return items;
    const facts = this.#pool.facts;
    const kept: MatchItem[] = [];
    for (const item of items) {
      const twin = kept.find(
        (other) =>
          facts.option[other.best] === facts.option[item.best] &&
          Math.abs(other.start - item.start) < ADJACENT_SLACK &&
          Math.abs(other.end - item.end) < ADJACENT_SLACK,
      );
      if (twin === undefined) kept.push(item);
      else
        twin.labels = [...twin.labels, ...item.labels].sort(
          (a, b) => (facts.start[a] as number) - (facts.start[b] as number) || a - b,
        );
    }
    return kept;
  }

  #clipRows(labels: readonly number[]): number[] {
    const clipRow = this.#pool.facts.clipRow;
    return labels.filter((label) => clipRow[label] === 1);
  }

  /**
   * Listed labels as items: one each, or with mergeAdjacent runs of clips of one option where
   * each starts as the one before ends. `labels` are ordered by option then start; a clip that
   * is not listed ends the run it would extend, a clip of another span (an overlapping one of
   * another clip length) leaves it open.
   */
  #groupRuns(labels: readonly number[], listed: (label: number) => boolean): number[][] {
    const facts = this.#pool.facts;
    const runs: number[][] = [];
    if (!this.#rules.mergeAdjacent) {
      for (const label of labels) if (listed(label)) runs.push([label]);
      return runs;
    }
    let open: number[][] = [];
    let option = -1;
    for (const label of labels) {
      if (facts.option[label] !== option) {
        option = facts.option[label] as number;
        open = [];
      }
      const start = facts.start[label] as number;
      const extending = open.findIndex(
        (run) => Math.abs((facts.end[run[run.length - 1] as number] as number) - start) < ADJACENT_SLACK,
      );
      if (!listed(label)) {
        if (extending >= 0) open.splice(extending, 1);
        continue;
      }
      const run = open[extending];
      if (run !== undefined) run.push(label);
      else {
        const fresh = [label];
        runs.push(fresh);
        open.push(fresh);
      }
      // Runs that end before this start can never be extended again (later clips start later).
      open = open.filter(
        (candidate) => (facts.end[candidate[candidate.length - 1] as number] as number) >= start - ADJACENT_SLACK,
      );
    }
    return runs;
  }
}

/**
 * Scores labels against a unit query for one search: from the snapshot's stored vectors once
 * loaded, else from the index's own copies (HNSW keeps them), fetched one label at a time and
 * kept for this search only. Searches that score a bounded few labels (several queries,
 * grouping, merging) need not read the whole vector column; exact scans call `load` first.
 */
export class LabelScorer {
  readonly #snapshot: LibrarySnapshot;
  readonly #index: RetrievalIndex | undefined;
  #points: Map<number, Float32Array | undefined> | undefined;
  #columns: readonly Float32Array[] | undefined;

  constructor(snapshot: LibrarySnapshot) {
    this.#snapshot = snapshot;
    this.#index = snapshot.index?.vectorOf === undefined ? undefined : snapshot.index;
    this.#columns = snapshot.loadedVectors();
  }

  /** Whether `dot` can score without `load` (the stored vectors are loaded, or the index has copies). */
  get canScore(): boolean {
    return this.#columns !== undefined || this.#index !== undefined;
  }

  /** Whether the stored vectors are at hand (an exact scan scores every label from them). */
  get loaded(): boolean {
    return this.#columns !== undefined;
  }

  /** Reads the stored vectors (the snapshot's, shared with other searches), once. */
  async load(): Promise<void> {
    this.#columns ??= await this.#snapshot.vectors();
  }

  /** Cosine similarity of a unit query with the label's unit vector; needs `load` first unless `canScore`. */
  dot(query: Float32Array, label: number): number {
    const facts = this.#snapshot.facts;
    const column = this.#columns?.[facts.file[label] as number];
    if (column !== undefined)
      return dotProduct(query, 0, column, (facts.row[label] as number) * facts.dimension, facts.dimension);
    const point = this.#point(label);
    if (point === undefined)
      throw new VsearchError(`the vector of label ${label} is not at hand; call load() before scoring`);
    return dotProduct(query, 0, point, 0, facts.dimension);
  }

  #point(label: number): Float32Array | undefined {
    if (this.#index === undefined) return undefined;
    this.#points ??= new Map();
    if (!this.#points.has(label)) this.#points.set(label, this.#index.vectorOf?.(label));
    return this.#points.get(label);
  }
}

export type Confidence = 'high' | 'medium' | 'low';

interface ConfidenceBands {
  high: number;
  medium: number;
}

/**
 * Cosine score to the search API's confidence label. Marengo 2.7's bands come from the
 * real vectors in ../shared/data: a matching text query scores 0.34-0.37 against its
 * clip and 0.10-0.12 against unrelated clips; image queries 0.60 vs 0.40. Marengo 3.x
 * uses the same bands until real 3.x result lists say otherwise.
 */
const BANDS: Readonly<Record<string, ConfidenceBands>> = {
  'Marengo-retrieval-2.7': { high: 0.3, medium: 0.15 },
  'marengo3.0': { high: 0.3, medium: 0.15 },
  'marengo3.5': { high: 0.3, medium: 0.15 },
};
const DEFAULT_BANDS: ConfidenceBands = { high: 0.3, medium: 0.15 };

function bandsOf(model: string | null): ConfidenceBands {
  return (model === null ? undefined : BANDS[model]) ?? DEFAULT_BANDS;
}

export function confidenceOf(score: number, model: string | null): Confidence {
  const bands = bandsOf(model);
  if (score >= bands.high) return 'high';
  if (score >= bands.medium) return 'medium';
  return 'low';
}

/** The search API's `threshold`: the lowest confidence a hit may have; `none` keeps every hit. */
export const THRESHOLDS = ['high', 'medium', 'low', 'none'] as const;
export type Threshold = (typeof THRESHOLDS)[number];

/**
 * The lowest score a hit may have under `threshold`: high keeps high, medium keeps medium
 * and high. Every score is at least low, so low and none set no floor.
 */
function thresholdFloor(threshold: Threshold, model: string | null): number | undefined {
  const bands = bandsOf(model);
  if (threshold === 'high') return bands.high;
  if (threshold === 'medium') return bands.medium;
  return undefined;
}
