import type { SearchPool } from './search-pool.js';

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
  /** The lowest score a clip may have (min-score and threshold); undefined keeps every clip. */
  floor: number | undefined;
  /** operator "and" over several queries: a video must be matched by every query. */
  every: boolean;
  mergeAdjacent: boolean;
}

/** Clips whose end and next start differ by less than this are adjacent. */
const ADJACENT_SLACK = 1e-6;

/**
 * The exact matches of one video, computed from its stored vectors: a clip matches when its
 * best score over the queries reaches the floor; with `every`, only when each query has some
 * clip of the video at or above the floor. Works on the base pool (not on what pages left),
 * so a video's matches are the same on every page.
 */
export class VideoMatches {
  readonly #pool: SearchPool;
  readonly #rules: MatchRules;
  readonly #cache = new Map<number, MatchItem[]>();
  readonly #itemOfLabel = new Map<number, MatchItem>();

  constructor(pool: SearchPool, rules: MatchRules) {
    this.#pool = pool;
    this.#rules = rules;
  }

  /** The video's items, best first; empty when it does not qualify. */
  of(video: number): MatchItem[] {
    let items = this.#cache.get(video);
    if (items === undefined) {
      items = this.#analyze(video);
      this.#cache.set(video, items);
      for (const item of items) for (const label of item.labels) this.#itemOfLabel.set(label, item);
    }
    return items;
  }

  /** The item holding `label`, if the label matches. */
  itemOf(label: number): MatchItem | undefined {
    const video = this.#pool.facts.video[label] as number;
    if (video < 0) return undefined;
    this.of(video);
    return this.#itemOfLabel.get(label);
  }

  /** How many items a video has, without keeping them (for totals); a video already analysed is not scored again. */
  count(video: number): number {
    const known = this.#cache.get(video);
    if (known !== undefined) return known.length;
    if (this.#rules.floor === undefined) return this.#groupRuns(this.#pool.videoLabels(video), () => true).length;
    return this.#analyze(video).length;
  }

  #analyze(video: number): MatchItem[] {
    const { queries, floor, every } = this.#rules;
    const facts = this.#pool.facts;
    const labels = this.#pool.videoLabels(video);
    const scores = new Map<number, number>();
    const matchedBy = new Array<boolean>(queries.length).fill(false);
    for (const label of labels) {
      let best = Number.NEGATIVE_INFINITY;
      queries.forEach((query, q) => {
        const score = facts.dot(query, label);
        if (floor === undefined || score >= floor) matchedBy[q] = true;
        best = Math.max(best, score);
      });
      scores.set(label, best);
    }
    if (every && !matchedBy.every(Boolean)) return [];
    const matches = (label: number): boolean => floor === undefined || (scores.get(label) as number) >= floor;
    const items = this.#groupRuns(labels, matches).map((run): MatchItem => {
      let best = run[0] as number;
      for (const label of run) if ((scores.get(label) as number) > (scores.get(best) as number)) best = label;
      return { labels: run, best, score: scores.get(best) as number, start: facts.start[run[0] as number] as number, end: facts.end[run[run.length - 1] as number] as number };
    });
    return items.sort((a, b) => b.score - a.score || a.best - b.best);
  }

  /** Matching labels as items: one each, or runs of adjacent clips of one option when merging. */
  #groupRuns(labels: readonly number[], matches: (label: number) => boolean): number[][] {
    const facts = this.#pool.facts;
    const runs: number[][] = [];
    let run: number[] | undefined;
    let previous = -1;
    for (const label of labels) {
      if (!matches(label)) {
        run = undefined;
        continue;
      }
      const adjacent =
        this.#rules.mergeAdjacent &&
        run !== undefined &&
        facts.option[previous] === facts.option[label] &&
        Math.abs((facts.end[previous] as number) - (facts.start[label] as number)) < ADJACENT_SLACK;
      if (adjacent && run !== undefined) run.push(label);
      else {
        run = [label];
        runs.push(run);
      }
      previous = label;
    }
    return runs;
  }
}
