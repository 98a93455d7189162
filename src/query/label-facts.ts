import type { SegmentStore } from '../store/index.js';
import type { Manifest } from '../store/manifest.js';
import type { Metadata } from '../types.js';
import { clipRowsOf } from './clip-rows.js';
import { collectLabelFacts, type GroupRecord, type LabelFactsData } from './label-facts-data.js';
import { parseMetadata } from './parse-metadata.js';
import { filenameOf } from './search-filter.js';

/** Segments that share a video, a source and metadata: a filter is evaluated once per group. */
export interface LabelGroup {
  readonly video: number;
  readonly filename: string;
  readonly metadataText: string;
  readonly metadata: Metadata;
  readonly labels: Uint32Array;
}

export interface VideoFacts {
  id: string;
  durationSec: number;
  /** Its labels ordered by embedding option, then start: adjacent clips sit side by side. */
  labels: Uint32Array;
}

class Group implements LabelGroup {
  readonly video: number;
  readonly filename: string;
  readonly metadataText: string;
  readonly labels: Uint32Array;
  #metadata: Metadata | undefined;

  constructor(record: GroupRecord, labels: Uint32Array) {
    this.video = record.video;
    this.filename = filenameOf(record.source);
    this.metadataText = record.metadataText;
    this.labels = labels;
  }

  /** Parsed on first use: only filters and hits need it. */
  get metadata(): Metadata {
    this.#metadata ??= parseMetadata(this.metadataText);
    return this.#metadata;
  }
}

/**
 * What searches need to know about every label, for one library generation: its video,
 * embedding option, group, time span and where its vector lives. Arrays are indexed by label;
 * `video[label]` is -1 for labels the store no longer holds. Immutable once built, so one
 * generation's facts serve every search of it; vectors are not held (see LabelScorer).
 */
export class LabelFacts {
  readonly generation: number;
  readonly dimension: number;
  readonly video: Int32Array;
  readonly option: Uint8Array;
  /** Embedding scope codes (names in `scopes`). */
  readonly scope: Uint8Array;
  /** 1 for a label a clip search may list: clip scope, the first of its (video, option, start, end) twins. */
  readonly clipRow: Uint8Array;
  /** How many labels have `clipRow` 1. */
  readonly clipRows: number;
  readonly group: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** Embedding option codes to names. */
  readonly options: readonly string[];
  /** Embedding scope codes to names. */
  readonly scopes: readonly string[];
  readonly videos: readonly VideoFacts[];
  readonly groups: readonly LabelGroup[];
  readonly videoOrdinals: ReadonlyMap<string, number>;
  readonly size: number;
  /** Sum of the videos' durations (the search pool's `total_duration`). */
  readonly totalDuration: number;
  /** The segment files the labels' vectors live in, and for each label its file (index here) and row. */
  readonly files: readonly string[];
  readonly file: Int32Array;
  readonly row: Uint32Array;

  constructor(data: LabelFactsData, init: { generation: number; durations: ReadonlyMap<string, number> }) {
    this.generation = init.generation;
    this.dimension = data.dimension;
    this.video = data.video;
    this.option = data.option;
    this.scope = data.scope;
    const { clipRow, count } = clipRowsOf(data);
    this.clipRow = clipRow;
    this.clipRows = count;
    this.group = data.group;
    this.start = data.start;
    this.end = data.end;
    this.options = data.options;
    this.scopes = data.scopes;
    this.files = data.files;
    this.file = data.file;
    this.row = data.row;
    this.size = data.videoLabels.length;
    this.videoOrdinals = new Map(data.videoIds.map((id, ordinal) => [id, ordinal]));
    let total = 0;
    this.videos = data.videoIds.map((id, v) => {
      const durationSec = init.durations.get(id) ?? 0;
      total += durationSec;
      return { id, durationSec, labels: data.videoLabels.subarray(data.videoOffsets[v], data.videoOffsets[v + 1]) };
    });
    this.totalDuration = total;
    this.groups = data.groups.map(
      (record, g) => new Group(record, data.groupLabels.subarray(data.groupOffsets[g], data.groupOffsets[g + 1])),
    );
  }

  /** Gathers the facts from the store's files (reading them whole). */
  static async build(store: SegmentStore): Promise<LabelFacts> {
    const manifest = store.manifest;
    const data = await collectLabelFacts(await store.allFiles(), manifest.nextLabel, manifest.dimension ?? 0);
    return LabelFacts.over(manifest, data);
  }

  /** Facts over `data`, with the video durations and generation of `manifest`. */
  static over(manifest: Pick<Manifest, 'generation' | 'videos'>, data: LabelFactsData): LabelFacts {
    const durations = new Map(Object.entries(manifest.videos).map(([id, video]) => [id, video.durationSec]));
    return Object.freeze(new LabelFacts(data, { generation: manifest.generation, durations }));
  }

  has(label: number): boolean {
    return label < this.video.length && (this.video[label] as number) >= 0;
  }

  /** Whether every stored label is a clip row (no whole-video vectors, no twins): clip searches need no restriction. */
  get allClipRows(): boolean {
    return this.clipRows === this.size;
  }

  scopeOf(label: number): string {
    return this.scopes[this.scope[label] as number] ?? '';
  }
}

/** Makes the facts of the store's current generation. */
export type FactsSource = (store: SegmentStore) => Promise<LabelFacts>;

/** The facts of the store's current generation, made on first use after each change. */
export class LabelFactsCache {
  readonly #store: SegmentStore;
  readonly #source: FactsSource;
  #facts: Promise<LabelFacts> | undefined;
  #generation = -1;

  constructor(store: SegmentStore, source: FactsSource = (s) => LabelFacts.build(s)) {
    this.#store = store;
    this.#source = source;
  }

  get(): Promise<LabelFacts> {
    const generation = this.#store.manifest.generation;
    if (this.#facts === undefined || generation !== this.#generation) {
      this.#generation = generation;
      this.#facts = this.#source(this.#store);
      this.#facts.catch(() => {
        this.#facts = undefined;
      });
    }
    return this.#facts;
  }
}
