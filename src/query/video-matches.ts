import type { LabelScorer } from './label-scorer.js';
import type { SearchPool } from './stages/pool.js';

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
