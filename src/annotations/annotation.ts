import type { JsonValue } from '../types.js';

/** Where an annotation's text came from. */
export type AnnotationSource = 'pegasus' | 'subtitle' | 'import';
export const ANNOTATION_SOURCES: readonly AnnotationSource[] = ['pegasus', 'subtitle', 'import'];

/** Timestamped text about a stretch of one video: a Pegasus segment or answer, a subtitle cue, an imported line. */
export interface Annotation {
  videoId: string;
  start: number;
  end: number;
  /** The segment definition's id for Pegasus segmentation ("scene"); "general" for a prompt's answer; "subtitle" for a cue. */
  definition: string;
  /** Structured fields (Pegasus segment fields, or an import's own); searchable with a filter. */
  fields: { [key: string]: JsonValue };
  text: string;
  source: AnnotationSource;
}

/** The JSON shape of an annotation on a hit, in `videos show` and in an annotations JSONL. */
export interface AnnotationJson {
  video_id: string;
  start: number;
  end: number;
  definition: string;
  fields: { [key: string]: JsonValue };
  text: string;
  source: AnnotationSource;
}

export function annotationJson(a: Annotation): AnnotationJson {
  return {
    video_id: a.videoId,
    start: a.start,
    end: a.end,
    definition: a.definition,
    fields: a.fields,
    text: a.text,
    source: a.source,
  };
}

/** Seconds two spans share; 0 for spans that only touch or do not meet. A zero-length span inside the other counts as overlapping. */
export function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aStart === aEnd) return bStart <= aStart && aStart <= bEnd;
  if (bStart === bEnd) return aStart <= bStart && bStart <= aEnd;
  return Math.min(aEnd, bEnd) > Math.max(aStart, bStart);
}
