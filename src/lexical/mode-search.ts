import { type Annotation, type AnnotationJson, annotationJson, overlaps } from '../annotations/annotation.js';
import { InputError } from '../errors.js';
import type { VideoInfo } from '../library/videos.js';
import {
  type ClipHit,
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  type SearchRequest,
  type SearchResponse,
  type VideoHit,
} from '../query/index.js';
import { compileSearchFilter, parseSearchFilter, type SearchFilter } from '../query/search-filter.js';
import { splitFilter } from './annotation-filter.js';
import type { AnnotationSet } from './annotation-set.js';
import { DEFAULT_HYBRID_WEIGHTS, type HybridFusion, type HybridWeights, minMax, ofMax, rrf } from './fusion.js';
import { type LexicalHit, LexicalIndex } from './lexical-index.js';
import { fuseOptions, OPTION_FUSIONS, type OptionFusion } from './option-fusion.js';

export type SearchMode = 'vector' | 'text' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['vector', 'text', 'hybrid'];

export interface ModeSearchRequest extends SearchRequest {
  /** Default: hybrid when the library holds annotations and the query has text (text when it cannot be embedded), else vector. */
  mode?: SearchMode | undefined;
  /** One hit per moment across embedding options (max, rrf or weighted); default: one hit per option, as `search` gives. */
  fusion?: OptionFusion | undefined;
  /**
   * Weights of the weighted option fusion by option name (visual, audio, transcription,
   * visual-text), and of the hybrid's vector and lexical lists as `vector` and `text`: given
   * either, hybrid mode fuses by weighted scaled scores instead of reciprocal rank (k = RRF_K).
   */
  weights?: Readonly<Record<string, number>> | undefined;
}

/** Callers from JavaScript, the CLI and forms pass any string: the one check of `mode` and `fusion`. */
function checkModeOptions(request: ModeSearchRequest): void {
  const { mode, fusion } = request;
  if (mode !== undefined && !SEARCH_MODES.includes(mode))
    throw new InputError(`\`mode\` must be one of ${SEARCH_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  if (fusion !== undefined && !OPTION_FUSIONS.includes(fusion))
    throw new InputError(`\`fusion\` must be one of ${OPTION_FUSIONS.join(', ')}, got ${JSON.stringify(fusion)}`);
}

/** A hit with the annotations that overlap it, and in text and hybrid modes what matched. */
export type AnnotatedHit = (ClipHit | VideoHit) & {
  annotations?: AnnotationJson[];
  /** hybrid/text: whether the vector search, the lexical search or both found it. */
  matched_by?: 'vector' | 'text' | 'both';
  vector_score?: number;
  text_score?: number;
};

export interface ModeSearchResponse extends Omit<SearchResponse, 'data'> {
  /** text or hybrid; absent on a vector search, whose response keeps the search API's shape. */
  mode?: 'text' | 'hybrid';
  data: AnnotatedHit[];
}

/** What the mode search needs of a library. */
export interface ModeSearchSource {
  vectorSearch(request: SearchRequest): Promise<SearchResponse>;
  /** The annotations of the library's current generation, shared by its searches (never changed). */
  annotations(): Promise<AnnotationSet>;
  videos(): Promise<VideoInfo[]>;
  indexId: string;
  /** Whether a query not in the cache can be embedded (an API client is at hand). */
  canEmbed: boolean;
}

/**
 * hybrid when the library holds annotations and the query has text, but text alone when that
 * text could not be embedded (no API, or offline) and nothing else is asked: an annotated
 * library answers a text query without the API. Else vector.
 */
function defaultMode(source: ModeSearchSource, request: ModeSearchRequest, annotated: boolean): SearchMode {
  if (!annotated || request.text === undefined || request.text.trim() === '') return 'vector';
  const others = (request.image ?? request.audio ?? request.video ?? request.vector ?? request.like) !== undefined;
  return others || (source.canEmbed && request.offline !== true) ? 'hybrid' : 'text';
}

/** Candidates drawn from each list before fusion: more than a page, so a hit ranked low by one list can still rise. */
function candidatesFor(limit: number): number {
  return Math.min(MAX_PAGE_LIMIT, Math.max(limit * 5, 50));
}

/**
 * vector, text or hybrid search, around the library's vector search (whose result it takes as
 * it is): the lexical hits are BM25 over annotation text; hybrid fuses the two lists by
 * reciprocal rank over overlapping time spans (a lexical hit joins each vector hit of its
 * video whose span it overlaps; one that overlaps none stands as a hit of its own), or by
 * weighted scaled scores. Every hit carries the annotations that overlap it.
 */
export async function modeSearch(source: ModeSearchSource, request: ModeSearchRequest): Promise<ModeSearchResponse> {
  checkModeOptions(request);
  const annotations = await source.annotations();
  const mode = request.mode ?? defaultMode(source, request, annotations.size > 0);
  const { rest, annotation: annotationTest } = splitFilter(
    request.filter === undefined ? undefined : parseSearchFilter(request.filter),
  );
  const limit = request.pageLimit ?? DEFAULT_PAGE_LIMIT;
  const byVideo = request.groupBy === 'video';
  const { mode: _m, fusion: optionFusion, weights, ...plain } = request;
  const hybridWeighted = weights !== undefined && (weights['vector'] !== undefined || weights['text'] !== undefined);
  const optionWeights =
    weights === undefined
      ? undefined
      : Object.fromEntries(Object.entries(weights).filter(([key]) => key !== 'vector' && key !== 'text'));
  if (mode !== 'vector' && request.pageToken !== undefined)
    throw new InputError(
      `page tokens page vector searches; a ${mode} search returns its hits in one page (raise the page limit)`,
    );
  if (mode !== 'vector' && (request.text === undefined || request.text.trim() === ''))
    throw new InputError(`a ${mode} search needs query text`);
  if (
    mode === 'text' &&
    (request.image ?? request.audio ?? request.video ?? request.vector ?? request.like) !== undefined
  ) {
    throw new InputError(
      'a text search reads only the query text; drop the image, audio, video, vector or like query, or use the hybrid or vector mode',
    );
  }

  if (request.pageToken !== undefined && (annotationTest !== undefined || optionFusion !== undefined)) {
    throw new InputError(
      'a page token replays a plain vector search; fusion across options and annotation filters return their hits in one page (raise the page limit)',
    );
  }
  if (mode === 'vector' && annotationTest === undefined && optionFusion === undefined)
    return attach(await source.vectorSearch(plain), annotations);

  const unfiltered = rest === undefined && annotationTest === undefined;
  const accepted = unfiltered
    ? annotations.all
    : annotations.all.filter(await videoFilter(source, rest)).filter(annotationTest ?? (() => true));
  // BM25 weighs terms over the annotations a search may return: the generation's shared index
  // serves unfiltered searches; a filtered one indexes what its filter accepts.
  const lexicalIndex = (): LexicalIndex => (unfiltered ? annotations.lexical() : new LexicalIndex(accepted));
  const lexical =
    mode === 'vector' ? [] : groupLexical(lexicalIndex().search(request.text ?? '', candidatesFor(limit)), byVideo);
  if (mode === 'text')
    return attach(
      page(
        lexical.map((hit) => lexicalHit(hit)),
        limit,
        source.indexId,
        mode,
      ),
      annotations,
    );

  const vector = await source.vectorSearch({
    ...plain,
    filter: rest,
    pageLimit: candidatesFor(limit),
    pageToken: undefined,
  });
  // An annotation filter keeps the vector hits that an accepted annotation overlaps.
  const filtered = (vector.data as (ClipHit | VideoHit)[]).filter(
    (hit) => annotationTest === undefined || accepted.some((a) => sameMoment(hit, a, byVideo)),
  );
  const vectorHits =
    optionFusion === undefined
      ? filtered
      : fuseOptions(
          filtered,
          optionFusion,
          optionWeights !== undefined && Object.keys(optionWeights).length > 0 ? optionWeights : undefined,
          byVideo,
        );
  if (mode === 'vector')
    return attach({ ...page(vectorHits, limit, source.indexId, mode), search_pool: vector.search_pool }, annotations);
  const hybridWeights: HybridWeights = {
    vector: weights?.['vector'] ?? DEFAULT_HYBRID_WEIGHTS.vector,
    text: weights?.['text'] ?? DEFAULT_HYBRID_WEIGHTS.text,
  };
  const fused = fuse(vectorHits, lexical, byVideo, hybridWeighted ? 'weighted' : 'rrf', hybridWeights);
  return attach({ ...page(fused, limit, source.indexId, mode), search_pool: vector.search_pool }, annotations);
}

function sameMoment(hit: { video_id: string; start: number; end: number }, a: Annotation, byVideo: boolean): boolean {
  return hit.video_id === a.videoId && (byVideo || overlaps(hit.start, hit.end, a.start, a.end));
}

/** With group_by video, a video's best lexical hit stands for it. */
function groupLexical(hits: LexicalHit[], byVideo: boolean): LexicalHit[] {
  if (!byVideo) return hits;
  const seen = new Set<string>();
  return hits.filter((hit) => !seen.has(hit.annotation.videoId) && seen.add(hit.annotation.videoId) !== undefined);
}

/** The search filter's video conditions (id, duration, filename, user metadata), applied to the annotations' videos. */
async function videoFilter(
  source: ModeSearchSource,
  filter: SearchFilter | undefined,
): Promise<(a: Annotation) => boolean> {
  if (filter === undefined) return () => true;
  const test = compileSearchFilter(filter);
  const passing = new Set(
    (await source.videos())
      .filter((v) => test({ videoId: v.video_id, durationSec: v.duration, filename: v.filename, metadata: v.metadata }))
      .map((v) => v.video_id),
  );
  return (a) => passing.has(a.videoId);
}

function confidenceOfMatch(matched: number): ClipHit['confidence'] {
  return matched >= 1 ? 'high' : matched >= 0.5 ? 'medium' : 'low';
}

/** A lexical hit as a search hit: the annotation's span; its score is BM25 and its confidence the share of query terms it holds. */
function lexicalHit(hit: LexicalHit): AnnotatedHit {
  const a = hit.annotation;
  return {
    rank: 0,
    video_id: a.videoId,
    start: a.start,
    end: a.end,
    score: hit.score,
    confidence: confidenceOfMatch(hit.matched),
    embedding_option: 'text',
    embedding_scope: 'annotation',
    metadata: {},
    matched_by: 'text',
    text_score: hit.score,
  };
}

function fuse(
  vector: readonly (ClipHit | VideoHit)[],
  lexical: readonly LexicalHit[],
  byVideo: boolean,
  fusion: HybridFusion,
  weights: HybridWeights,
): AnnotatedHit[] {
  const vScale = minMax(vector.map((hit) => hit.score));
  const tScale = ofMax(lexical.map((hit) => hit.score));
  const vectorPart = (hit: ClipHit, rank: number): number =>
    fusion === 'rrf' ? rrf(rank) : weights.vector * vScale(hit.score);
  const textPart = (hit: LexicalHit, rank: number): number =>
    fusion === 'rrf' ? rrf(rank) : weights.text * tScale(hit.score);
  const joined = new Set<number>();
  const out: AnnotatedHit[] = vector.map((hit, i) => {
    const j = lexical.findIndex((l) => sameMoment(hit, l.annotation, byVideo));
    const best = lexical[j];
    if (best === undefined)
      return { ...hit, matched_by: 'vector', vector_score: hit.score, score: vectorPart(hit, i + 1) };
    // A lexical hit counts once per hit it overlaps, at its own rank: the best-ranked one that overlaps it.
    lexical.forEach((l, k) => sameMoment(hit, l.annotation, byVideo) && joined.add(k));
    return {
      ...hit,
      matched_by: 'both',
      vector_score: hit.score,
      text_score: best.score,
      score: vectorPart(hit, i + 1) + textPart(best, j + 1),
    };
  });
  lexical.forEach((hit, k) => {
    if (!joined.has(k)) out.push({ ...lexicalHit(hit), score: textPart(hit, k + 1) });
  });
  return out.sort(
    (a, b) =>
      b.score - a.score || (a.video_id < b.video_id ? -1 : a.video_id > b.video_id ? 1 : 0) || a.start - b.start,
  );
}

function page(hits: readonly AnnotatedHit[], limit: number, indexId: string, mode: SearchMode): ModeSearchResponse {
  const shown = mode === 'vector' ? {} : { mode };
  const data = hits.slice(0, limit).map((hit, i) => ({ ...hit, rank: i + 1 }));
  const total = hits.reduce((sum, hit) => sum + Math.max(0, hit.end - hit.start), 0);
  return {
    ...shown,
    data,
    page_info: { limit_per_page: limit, total_results: hits.length },
    search_pool: { total_count: hits.length, total_duration: total, index_id: indexId },
  };
}

/** Each hit (and each clip under a video hit) with the annotations whose span overlaps it, by start. */
function attach(
  response: Omit<ModeSearchResponse, 'data'> & { data: readonly (ClipHit | VideoHit | AnnotatedHit)[] },
  annotations: AnnotationSet,
): ModeSearchResponse {
  if (annotations.size === 0) return { ...response, data: [...response.data] };
  const over = (hit: { video_id: string; start: number; end: number }): AnnotationJson[] =>
    annotations.overlapping(hit.video_id, hit.start, hit.end).map(annotationJson);
  return { ...response, data: response.data.map((hit) => ({ ...hit, annotations: over(hit) })) };
}
