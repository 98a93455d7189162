import type { LabelFacts } from '../query/label-facts.js';
import type { SegmentStore } from '../store/segment-store.js';
import { fingerprintOf } from './fingerprint.js';

/**
 * The segment files holding a video's segments, by the label facts, so a write or a lookup of one
 * video reads those files and not every file of the library. Undefined when the facts are of
 * other files than the store's current ones, or do not know the video (the caller reads all).
 */
export function holdersOf(
  facts: LabelFacts,
  store: Pick<SegmentStore, 'fileNames'>,
  videoId: string,
): ReadonlySet<string> | undefined {
  if (fingerprintOf(facts.files) !== fingerprintOf(store.fileNames)) return undefined;
  const ordinal = facts.videoOrdinals.get(videoId);
  const video = ordinal === undefined ? undefined : facts.videos[ordinal];
  if (video === undefined) return undefined;
  const holders = new Set<string>();
  for (const label of video.labels) {
    const name = facts.files[facts.file[label] ?? -1];
    if (name !== undefined) holders.add(name);
  }
  return holders;
}
