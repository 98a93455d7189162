import type { Annotation } from '../annotations/annotation.js';
import { compileSearchFilter, type SearchFilter } from '../query/search-filter.js';

/** Filter keys that reach annotations: `annotations.<field>`. */
const ANNOTATION_PREFIX = 'annotations.';

/**
 * The filter split into what the vector search understands and a predicate over annotations.
 * Under the prefix the search filter's rules apply to an annotation: its fields (with
 * `definition` and `source`) are the metadata, `id` is its video and `duration` its length.
 */
export function splitFilter(filter: SearchFilter | undefined): {
  rest: SearchFilter | undefined;
  annotation: ((a: Annotation) => boolean) | undefined;
} {
  if (filter === undefined) return { rest: undefined, annotation: undefined };
  const rest: SearchFilter = {};
  const own: SearchFilter = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith(ANNOTATION_PREFIX)) own[key.slice(ANNOTATION_PREFIX.length)] = value;
    else rest[key] = value;
  }
  const restOut = Object.keys(rest).length > 0 ? rest : undefined;
  if (Object.keys(own).length === 0) return { rest: restOut, annotation: undefined };
  const test = compileSearchFilter(own);
  return {
    rest: restOut,
    annotation: (a) =>
      test({
        videoId: a.videoId,
        durationSec: a.end - a.start,
        filename: '',
        metadata: { ...a.fields, definition: a.definition, source: a.source },
      }),
  };
}
