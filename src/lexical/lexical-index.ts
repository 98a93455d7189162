import MiniSearch from 'minisearch';
import type { Annotation } from '../annotations/annotation.js';
import { processTerm, tokenize } from './terms.js';

/** A lexical hit: the annotation whose text matched, with its BM25 score (larger is better, not bounded). */
export interface LexicalHit {
  annotation: Annotation;
  score: number;
  /** The share of the query's terms the annotation holds, 0-1. */
  matched: number;
}

/**
 * BM25 (minisearch's BM25+, k1 1.2, b 0.7, d 0.5) over annotation text. Built in memory
 * from the annotations on each use: annotation text is small next to the vectors, and the
 * annotation files are the only truth, so there is no derived file to keep in step.
 */
export class LexicalIndex {
  readonly #annotations: readonly Annotation[];
  readonly #search: MiniSearch<{ id: number; text: string }>;

  constructor(annotations: readonly Annotation[]) {
    this.#annotations = annotations;
    this.#search = new MiniSearch({ fields: ['text'], tokenize, processTerm });
    this.#search.addAll(annotations.map((a, id) => ({ id, text: a.text })));
  }

  /** The best `limit` annotations for `query` (any of its terms), best first; ties by video, then start. */
  search(query: string, limit: number, accept: (annotation: Annotation) => boolean = () => true): LexicalHit[] {
    const terms = new Set(
      tokenize(query)
        .map(processTerm)
        .filter((term): term is string => term !== null),
    );
    const hits: LexicalHit[] = [];
    for (const result of this.#search.search(query, { combineWith: 'OR' })) {
      const annotation = this.#annotations[result.id as number];
      if (annotation !== undefined && accept(annotation))
        hits.push({
          annotation,
          score: result.score,
          matched: terms.size === 0 ? 0 : new Set(result.queryTerms).size / terms.size,
        });
    }
    hits.sort(
      (a, b) =>
        b.score - a.score ||
        compare(a.annotation.videoId, b.annotation.videoId) ||
        a.annotation.start - b.annotation.start,
    );
    return hits.slice(0, limit);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
