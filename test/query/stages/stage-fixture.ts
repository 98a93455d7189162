import type { Library } from '../../../src/library/index.js';
import { normalizeQueryVector, normalizeSearch, type SearchRequest } from '../../../src/query/index.js';
import type { LibrarySnapshot } from '../../../src/query/library-snapshot.js';
import { LabelScorer } from '../../../src/query/stages/match.js';
import type { PreparedSearch } from '../../../src/query/stages/prepare.js';
import { poolFor } from '../../../src/query/stages/retrieve.js';
import { clipSegments, type JsonlSegment, testVector } from '../../helpers/segments.js';
import { createTempLibrary } from '../../helpers/temp-library.js';

export const DIM = 16;
export const MODEL = 'custom-16';
/** 12 videos of 10 six-second clips; shard = video number mod 3. */
export const SEGMENTS: JsonlSegment[] = Array.from({ length: 12 }, (_, v) =>
  clipSegments(`v${v}`, 10, DIM, v + 1, { metadata: { shard: v % 3 } }),
).flat();

export async function stageLibrary(
  dir: string,
  options: { kind?: 'hnsw' | 'exact' } = {},
): Promise<{ lib: Library; snapshot: LibrarySnapshot }> {
  const { lib } = await createTempLibrary({
    work: dir,
    index: { kind: options.kind ?? 'hnsw' },
    segments: SEGMENTS,
    importOptions: { model: MODEL },
  });
  return { lib, snapshot: await lib.snapshot() };
}

export function unit(seed: number): Float32Array {
  return normalizeQueryVector(testVector(DIM, seed), DIM, 'q');
}

/** What the prepare stage gives for raw unit queries and these options. */
export function prepared(
  request: SearchRequest,
  queries: readonly Float32Array[],
  excluded: readonly number[] = [],
): PreparedSearch {
  return { queries, search: normalizeSearch(request), excluded: new Set(excluded), ef: 200 };
}

/** The pool, rules-free scorer and label of a (video, start) for a stage test. */
export function stageParts(snapshot: LibrarySnapshot, search: PreparedSearch) {
  return { pool: poolFor(snapshot.facts, search, []), scorer: new LabelScorer(snapshot) };
}

export function labelOf(snapshot: LibrarySnapshot, video: string, start: number): number {
  const { facts } = snapshot;
  const ordinal = facts.videoOrdinals.get(video) ?? -1;
  const label = [...(facts.videos[ordinal]?.labels ?? [])].find((l) => facts.start[l] === start);
  if (label === undefined) throw new Error(`no segment ${video}@${start}`);
  return label;
}
