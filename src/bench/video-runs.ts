import type { XmodalSet } from './xmodal-generator.js';

/** The rows of each video of a generated set, in order: the generator writes a video's clips in a row. */
export function videoRuns(set: Pick<XmodalSet, 'count' | 'videoOf'>): Uint32Array[] {
  const runs: Uint32Array[] = [];
  for (let from = 0; from < set.count; ) {
    let to = from + 1;
    while (to < set.count && set.videoOf[to] === set.videoOf[from]) to++;
    runs.push(Uint32Array.from({ length: to - from }, (_, i) => from + i));
    from = to;
  }
  return runs;
}
