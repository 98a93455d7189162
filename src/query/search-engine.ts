import type { VectorIndex } from '../index/vector-index.js';
import type { SegmentStore } from '../store/index.js';
import type { Metadata } from '../types.js';
import { confidenceOf } from './confidence.js';
import { OptionMasks } from './option-mask.js';
import { byScore, mergeBest, retrieve, type Candidate } from './retrieve.js';
import type { NormalizedSearch } from './search-request.js';
import type { ClipHit, SearchResponse, VideoHit } from './search-response.js';

interface Located extends Candidate {
  videoId: string;
  start: number;
  end: number;
  embeddingOption: string;
  metadataText: string;
}

/** How many candidates per video a grouped search starts with before widening. */
const GROUP_OVERFETCH = 8;

/** Runs a search over the ANN index and dresses the hits with the store's fields. */
export class SearchEngine {
  readonly #store: SegmentStore;
  readonly #index: () => VectorIndex;
  readonly #masks: OptionMasks;

  /** `index` is read at each search, so the library may swap in a rebuilt index. */
  constructor(store: SegmentStore, index: () => VectorIndex) {
    this.#store = store;
    this.#index = index;
    this.#masks = new OptionMasks(store);
  }

  async search(queries: readonly Float32Array[], search: NormalizedSearch, exclude: ReadonlySet<number> = new Set()): Promise<SearchResponse> {
    const index = this.#index();
    const ef = this.#store.manifest.index.ef;
    const optionFilter = search.searchOptions === undefined ? undefined : await this.#masks.allowed(search.searchOptions);
    const allow =
      optionFilter === undefined && exclude.size === 0
        ? undefined
        : (label: number): boolean => !exclude.has(label) && (optionFilter === undefined || optionFilter(label));
    const passes = (candidate: Candidate): boolean => search.minScore === undefined || candidate.score >= search.minScore;
    const grouped = search.groupBy === 'video' || (search.operator === 'and' && queries.length > 1);
    let k = Math.min(index.size, grouped ? search.pageLimit * GROUP_OVERFETCH : search.pageLimit);
    for (;;) {
      const perQuery = queries.map((query) => retrieve(index, query, k, { ef, allow }).filter(passes));
      const clips = await this.#locateAll(mergeBest(perQuery));
      if (!grouped) return this.#response(clips.slice(0, search.pageLimit).map((clip, i) => this.#clipHit(clip, i + 1)), clips.length, search);
      const videos = this.#qualifyingVideos(clips, perQuery, search);
      if (videos.length >= search.pageLimit || k >= index.size) {
        if (search.groupBy === 'video') {
          const hits = videos.slice(0, search.pageLimit).map((group, i): VideoHit => ({ ...this.#clipHit(group[0] as Located, i + 1), clips: group.map((clip, j) => this.#clipHit(clip, j + 1)) }));
          return this.#response(hits, videos.length, search);
        }
        const allowedVideos = new Set(videos.map((group) => (group[0] as Located).videoId));
        const kept = clips.filter((clip) => allowedVideos.has(clip.videoId));
        return this.#response(kept.slice(0, search.pageLimit).map((clip, i) => this.#clipHit(clip, i + 1)), kept.length, search);
      }
      k = Math.min(index.size, k * 4);
    }
  }

  /** Videos in order of their best clip; with operator "and", only those every query matched. */
  #qualifyingVideos(clips: readonly Located[], perQuery: readonly Candidate[][], search: NormalizedSearch): Located[][] {
    const groups = new Map<string, Located[]>();
    for (const clip of clips) {
      const group = groups.get(clip.videoId);
      if (group === undefined) groups.set(clip.videoId, [clip]);
      else group.push(clip);
    }
    if (search.operator === 'and' && perQuery.length > 1) {
      const videoOf = new Map(clips.map((clip) => [clip.label, clip.videoId]));
      for (const list of perQuery) {
        const matched = new Set(list.map((candidate) => videoOf.get(candidate.label)));
        for (const videoId of groups.keys()) if (!matched.has(videoId)) groups.delete(videoId);
      }
    }
    return [...groups.values()];
  }

  async #locateAll(candidates: readonly Candidate[]): Promise<Located[]> {
    const located: Located[] = [];
    for (const candidate of [...candidates].sort(byScore)) {
      const place = await this.#store.locate(candidate.label);
      if (place === undefined) continue;
      const { file, row } = place;
      located.push({
        ...candidate,
        videoId: file.string('video_id', row),
        start: file.startSec[row] as number,
        end: file.endSec[row] as number,
        embeddingOption: file.string('embedding_option', row),
        metadataText: file.string('metadata', row),
      });
    }
    return located;
  }

  #clipHit(clip: Located, rank: number): ClipHit {
    return {
      rank,
      video_id: clip.videoId,
      start: clip.start,
      end: clip.end,
      score: clip.score,
      confidence: confidenceOf(clip.score, this.#store.manifest.model),
      embedding_option: clip.embeddingOption,
      metadata: parseMetadata(clip.metadataText),
    };
  }

  #response(data: ClipHit[] | VideoHit[], total: number, search: NormalizedSearch): SearchResponse {
    const manifest = this.#store.manifest;
    const totalDuration = Object.values(manifest.videos).reduce((sum, video) => sum + video.durationSec, 0);
    return {
      data,
      page_info: { limit_per_page: search.pageLimit, total_results: total },
      search_pool: { total_count: manifest.counts.videos, total_duration: totalDuration, index_id: manifest.id },
    };
  }
}

function parseMetadata(text: string): Metadata {
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Metadata) : {};
  } catch {
    return {};
  }
}
