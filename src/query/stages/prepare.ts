import { InputError } from '../../errors.js';
import type { QueryModality } from '../../store/search-ef.js';
import type { LibrarySnapshot } from '../library-snapshot.js';
import { findLikeSegment, parseLike } from '../like-segment.js';
import { embedQueries, type QueryEmbedder, queryInputsOf } from '../query-inputs.js';
import { normalizeQueryVector } from '../query-vector.js';
import { type NormalizedSearch, normalizeSearch, type SearchRequest } from '../search-request.js';
import type { QueryVectorCache } from '../search-storage.js';

/** A search checked once and ready to run: what a page record stores, and what every later stage reads. */
export interface PreparedSearch {
  /** Unit vectors. */
  readonly queries: readonly Float32Array[];
  readonly search: NormalizedSearch;
  /** Labels that are never results (the segment a "more like this" query starts from, and its twins). */
  readonly excluded: ReadonlySet<number>;
  /** The ANN search breadth. */
  readonly ef: number;
}

export interface PrepareContext {
  readonly queryCache: QueryVectorCache;
  /** Embeds queries that are not cached; undefined: only cached queries, vectors and segments can be searched. */
  readonly embedder: QueryEmbedder | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onWarning?: ((message: string) => void) | undefined;
}

/**
 * Stage 1: checks the request's options and turns its inputs into unit query vectors (the raw
 * vector, the stored segment of `like`, and text or media embedded or read from the query
 * cache), and picks the ef for their modalities.
 */
export async function prepareSearch(
  request: SearchRequest,
  snapshot: LibrarySnapshot,
  context: PrepareContext,
): Promise<PreparedSearch> {
  const search = normalizeSearch(request);
  const { model, dimension } = snapshot.manifest;
  const excluded = new Set<number>();
  const queries: Float32Array[] = [];
  if (request.vector !== undefined) queries.push(normalizeQueryVector(request.vector, dimension, 'the query vector'));
  if (request.like !== undefined) {
    const like = await findLikeSegment(snapshot, parseLike(request.like), search.searchOptions);
    queries.push(like.vector);
    for (const label of like.excluded) excluded.add(label);
  }
  const inputs = queryInputsOf(request);
  // Vector and segment queries count as in distribution (video); embedded ones by their modality.
  const modalities: QueryModality[] = [
    ...(queries.length > 0 ? ['video' as const] : []),
    ...inputs.map((input) => input.modality),
  ];
  if (inputs.length > 0) {
    if (model === null)
      throw new InputError('the library is empty, so it has no model to embed queries with; build it first');
    const embedded = await embedQueries(inputs, {
      model,
      dimension,
      cache: context.queryCache,
      embedder: context.embedder,
      offline: request.offline ?? false,
      signal: context.signal,
      onWarning: context.onWarning,
    });
    embedded.forEach((vector, i) =>
      queries.push(normalizeQueryVector(vector, dimension, `the embedding of query ${i + 1}`)),
    );
  }
  if (queries.length === 0)
    throw new InputError(
      'no query given: pass query text, --image, --audio, --video, --vector FILE or --like VIDEO_ID',
    );
  return { queries, search, excluded, ef: snapshot.efFor(modalities) };
}
