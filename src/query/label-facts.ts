import type { SegmentFile, SegmentStore } from '../store/index.js';
import type { Metadata } from '../types.js';
import { filenameOf } from './search-filter.js';
import { parseMetadata } from './parse-metadata.js';

/** Segments that share a video, a source and metadata: a filter is evaluated once per group. */
export interface LabelGroup {
  video: number;
  filename: string;
  metadataText: string;
  metadata: Metadata;
  labels: Uint32Array;
}

export interface VideoFacts {
  id: string;
  durationSec: number;
  /** Its labels ordered by embedding option, then start: adjacent clips sit side by side. */
  labels: Uint32Array;
}

/**
 * What searches need to know about every label, gathered in one pass over the store's files
 * and kept for one library generation: its video, embedding option, group, time span and
 * where its vector lives. Arrays are indexed by label; `video[label]` is -1 for labels the
 * store no longer holds.
 */
export class LabelFacts {
  readonly generation: number;
  readonly dimension: number;
  readonly video: Int32Array;
  readonly option: Uint8Array;
  readonly group: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly #file: Int32Array;
  readonly #row: Uint32Array;
  readonly #files: readonly SegmentFile[];
  /** Embedding option codes to names. */
  readonly options: readonly string[];
  readonly videos: readonly VideoFacts[];
  readonly groups: readonly LabelGroup[];
  readonly videoOrdinals: ReadonlyMap<string, number>;
  readonly size: number;

  private constructor(init: {
    generation: number;
    dimension: number;
    labelSpace: number;
    files: readonly SegmentFile[];
    durations: ReadonlyMap<string, number>;
  }) {
    const { labelSpace, files } = init;
    this.generation = init.generation;
    this.dimension = init.dimension;
    this.#files = files;
    this.video = new Int32Array(labelSpace).fill(-1);
    this.option = new Uint8Array(labelSpace);
    this.group = new Int32Array(labelSpace).fill(-1);
    this.start = new Float64Array(labelSpace);
    this.end = new Float64Array(labelSpace);
    this.#file = new Int32Array(labelSpace);
    this.#row = new Uint32Array(labelSpace);
    const options: string[] = [];
    const optionCodes = new Map<string, number>();
    const videoOrdinals = new Map<string, number>();
    const videoLabels: number[][] = [];
    const groupCodes = new Map<string, number>();
    const groups: { video: number; source: string; metadataText: string; labels: number[] }[] = [];
    let size = 0;
    files.forEach((file, fileIndex) => {
      for (let row = 0; row < file.count; row++) {
        const label = file.labels[row] as number;
        const videoId = file.string('video_id', row);
        let video = videoOrdinals.get(videoId);
        if (video === undefined) {
          video = videoLabels.length;
          videoOrdinals.set(videoId, video);
          videoLabels.push([]);
        }
        const optionName = file.string('embedding_option', row);
        let option = optionCodes.get(optionName);
        if (option === undefined) {
          option = options.length;
          optionCodes.set(optionName, option);
          options.push(optionName);
        }
        const source = file.string('source', row);
        const metadataText = file.string('metadata', row);
        const groupKey = `${video}\u0000${source}\u0000${metadataText}`;
        let group = groupCodes.get(groupKey);
        if (group === undefined) {
          group = groups.length;
          groupCodes.set(groupKey, group);
          groups.push({ video, source, metadataText, labels: [] });
        }
        this.video[label] = video;
        this.option[label] = option;
        this.group[label] = group;
        this.start[label] = file.startSec[row] as number;
        this.end[label] = file.endSec[row] as number;
        this.#file[label] = fileIndex;
        this.#row[label] = row;
        (videoLabels[video] as number[]).push(label);
        groups[group]?.labels.push(label);
        size++;
      }
    });
    this.size = size;
    this.options = options;
    this.videoOrdinals = videoOrdinals;
    const ids = [...videoOrdinals.keys()];
    this.videos = videoLabels.map((labels, ordinal) => {
      const id = ids[ordinal] as string;
      labels.sort((a, b) => (this.option[a] as number) - (this.option[b] as number) || (this.start[a] as number) - (this.start[b] as number) || a - b);
      return { id, durationSec: init.durations.get(id) ?? 0, labels: Uint32Array.from(labels) };
    });
    this.groups = groups.map((group) => ({
      video: group.video,
      filename: filenameOf(group.source),
      metadataText: group.metadataText,
      metadata: parseMetadata(group.metadataText),
      labels: Uint32Array.from(group.labels),
    }));
  }

  static async build(store: SegmentStore): Promise<LabelFacts> {
    const manifest = store.manifest;
    const durations = new Map(Object.entries(manifest.videos).map(([id, video]) => [id, video.durationSec]));
    return new LabelFacts({ generation: manifest.generation, dimension: manifest.dimension ?? 0, labelSpace: manifest.nextLabel, files: await store.allFiles(), durations });
  }

  has(label: number): boolean {
    return label < this.video.length && (this.video[label] as number) >= 0;
  }

  /** Cosine similarity of a unit query with the label's stored (unit) vector. */
  dot(query: Float32Array, label: number): number {
    const file = this.#files[this.#file[label] as number] as SegmentFile;
    const vectors = file.vectors;
    const dim = this.dimension;
    let offset = (this.#row[label] as number) * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++, offset++) sum += (query[j] as number) * (vectors[offset] as number);
    return sum;
  }
}

/** The facts of the store's current generation, built on first use after each change. */
export class LabelFactsCache {
  readonly #store: SegmentStore;
  #facts: Promise<LabelFacts> | undefined;
  #generation = -1;

  constructor(store: SegmentStore) {
    this.#store = store;
  }

  get(): Promise<LabelFacts> {
    const generation = this.#store.manifest.generation;
    if (this.#facts === undefined || generation !== this.#generation) {
      this.#generation = generation;
      this.#facts = LabelFacts.build(this.#store);
      this.#facts.catch(() => {
        this.#facts = undefined;
      });
    }
    return this.#facts;
  }
}
