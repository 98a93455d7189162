import type { LabelFactsData } from '../query/label-facts-data.js';
import type { SegmentStore } from '../store/segment-store.js';

/**
 * The segment files that may hold a video's segments, by label facts gathered from some set of
 * files (segment files never change under their name): the current files the facts saw holding
 * the video, and every current file the facts never saw. So a write or lookup of one video reads
 * those files, not every file of the library; the caller checks it found all of the video's
 * segments there. Undefined without facts (the caller reads all).
 */
export function holdersOf(
  facts: LabelFactsData | undefined,
  store: Pick<SegmentStore, 'fileNames'>,
  videoId: string,
): ReadonlySet<string> | undefined {
  if (facts === undefined) return undefined;
  const seen = new Set(facts.files);
  const holders = new Set(store.fileNames.filter((name) => !seen.has(name)));
  const ordinal = facts.videoIds.indexOf(videoId);
  if (ordinal < 0) return holders;
  const current = new Set(store.fileNames);
  for (let at = facts.videoOffsets[ordinal] as number; at < (facts.videoOffsets[ordinal + 1] as number); at++) {
    const name = facts.files[facts.file[facts.videoLabels[at] as number] as number];
    if (name !== undefined && current.has(name)) holders.add(name);
  }
  return holders;
}

/** The files that may hold any of `videoIds` (see holdersOf); undefined without facts. */
export function unionOfHolders(
  facts: LabelFactsData | undefined,
  store: Pick<SegmentStore, 'fileNames'>,
  videoIds: Iterable<string>,
): ReadonlySet<string> | undefined {
  if (facts === undefined) return undefined;
  const files = new Set<string>();
  for (const id of videoIds) for (const name of holdersOf(facts, store, id) ?? []) files.add(name);
  return files;
}
