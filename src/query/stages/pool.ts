import { InputError } from '../../errors.js';
import type { LabelFacts } from '../label-facts.js';
import type { ReturnedPage } from '../page-record-codec.js';
import { compileSearchFilter, type SearchFilter } from '../search-filter.js';
import { embeddingOptionsFor, type SearchOption } from '../search-request.js';
import type { PreparedSearch } from './prepare.js';

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
    throw new InputError(
      `this library has no ${searchOptions.join(' or ')} segments (it holds ${[...facts.options].sort().join(', ') || 'none'}); drop --search-options or pick one of those`,
    );
  }
  return mask;
}
