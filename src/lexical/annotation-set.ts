import { type Annotation, overlaps } from '../annotations/annotation.js';
import { LexicalIndex } from './lexical-index.js';

/** One video's annotations by start (file order among equal starts), and the latest end up to each. */
interface VideoAnnotations {
  readonly byStart: readonly Annotation[];
  readonly endsSoFar: Float64Array;
}

/**
 * The annotations of one library generation (of its segments and of its annotations), made once
 * and shared read-only by every search of it, concurrent ones too: the list in file order, an
 * interval lookup per video, and the BM25 index over all of them, built on first use.
 */
export class AnnotationSet {
  readonly all: readonly Annotation[];
  readonly #videos = new Map<string, VideoAnnotations>();
  #lexical: LexicalIndex | undefined;

  constructor(annotations: readonly Annotation[]) {
    this.all = annotations;
    const lists = new Map<string, Annotation[]>();
    for (const a of annotations) {
      const list = lists.get(a.videoId);
      if (list === undefined) lists.set(a.videoId, [a]);
      else list.push(a);
    }
    for (const [videoId, list] of lists) {
      // Array.prototype.sort is stable: equal starts keep file order, as a filter then sort did.
      const byStart = list.sort((a, b) => a.start - b.start);
      const endsSoFar = new Float64Array(byStart.length);
      let latest = Number.NEGATIVE_INFINITY;
      byStart.forEach((a, i) => {
        latest = Math.max(latest, a.end);
        endsSoFar[i] = latest;
      });
      this.#videos.set(videoId, { byStart, endsSoFar });
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** The video's annotations whose span overlaps [start, end] (`overlaps`), by start. */
  overlapping(videoId: string, start: number, end: number): Annotation[] {
    const video = this.#videos.get(videoId);
    if (video === undefined) return [];
    const { byStart, endsSoFar } = video;
    // Only annotations starting at or before `end` can overlap; walking back from the last of
    // them, none before index i can once the latest end up to i is before `start`.
    let after = 0;
    let high = byStart.length;
    while (after < high) {
      const mid = (after + high) >>> 1;
      if ((byStart[mid] as Annotation).start <= end) after = mid + 1;
      else high = mid;
    }
    const found: Annotation[] = [];
    for (let i = after - 1; i >= 0 && (endsSoFar[i] as number) >= start; i--) {
      const a = byStart[i] as Annotation;
      if (overlaps(start, end, a.start, a.end)) found.push(a);
    }
    return found.reverse();
  }

  /** BM25 over every annotation of the set: one index per generation, shared by its searches. */
  lexical(): LexicalIndex {
    this.#lexical ??= new LexicalIndex(this.all);
    return this.#lexical;
  }
}
