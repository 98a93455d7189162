import type { SegmentFile } from '../store/index.js';

/** The string columns the facts read. */
export type FactsColumn = 'video_id' | 'embedding_option' | 'embedding_scope' | 'source' | 'metadata';

/** What the facts read of a segment file: a PostgreSQL library hands its rows over in this shape too. */
export type FactsRows = Pick<SegmentFile, 'name' | 'count' | 'labels' | 'startSec' | 'endSec'> & {
  string(column: FactsColumn, row: number): string;
};

/** A group's shared fields: segments of one video with one source and one metadata text. */
export interface GroupRecord {
  video: number;
  source: string;
  metadataText: string;
}

/**
 * What searches need to know about every label, as flat arrays indexed by label (the
 * `LabelFacts` of one set of segment files, and what the facts file stores). `video[label]`
 * is -1 for labels the files do not hold. `videoLabels` lists each video's labels ordered by
 * embedding option, then start, then label (video v's run is `videoOffsets[v]` to
 * `videoOffsets[v + 1]`); `groupLabels` lists each group's labels the same way by group.
 */
export interface LabelFactsData {
  /** Names of the segment files these facts were gathered from, in store order. */
  files: string[];
  dimension: number;
  options: string[];
  /** Embedding scope codes to names ("clip", "video", "asset"). */
  scopes: string[];
  videoIds: string[];
  groups: GroupRecord[];
  video: Int32Array;
  option: Uint8Array;
  scope: Uint8Array;
  group: Int32Array;
  start: Float64Array;
  end: Float64Array;
  /** Index into `files` of the file holding the label's vector, and its row there. */
  file: Int32Array;
  row: Uint32Array;
  videoOffsets: Uint32Array;
  videoLabels: Uint32Array;
  groupOffsets: Uint32Array;
  groupLabels: Uint32Array;
}

/**
 * One pass over the store's files, in store order: codes for videos, options and groups,
 * per-label arrays, orders. Files are taken one at a time, so a caller can read each just
 * before and drop it just after.
 */
export async function collectLabelFacts(
  files: Iterable<FactsRows> | AsyncIterable<FactsRows>,
  labelSpace: number,
  dimension: number,
): Promise<LabelFactsData> {
  const video = new Int32Array(labelSpace).fill(-1);
  const option = new Uint8Array(labelSpace);
  const scope = new Uint8Array(labelSpace);
  const group = new Int32Array(labelSpace).fill(-1);
  const start = new Float64Array(labelSpace);
  const end = new Float64Array(labelSpace);
  const file = new Int32Array(labelSpace).fill(-1);
  const row = new Uint32Array(labelSpace);
  const options: string[] = [];
  const optionCodes = new Map<string, number>();
  const scopes: string[] = [];
  const scopeCodes = new Map<string, number>();
  const videoOrdinals = new Map<string, number>();
  const groupCodes = new Map<string, number>();
  const groups: GroupRecord[] = [];
  const labels: number[] = [];
  const names: string[] = [];
  for await (const segmentFile of files) {
    const fileIndex = names.length;
    names.push(segmentFile.name);
    for (let r = 0; r < segmentFile.count; r++) {
      const label = segmentFile.labels[r] as number;
      const videoId = segmentFile.string('video_id', r);
      const videoCode = codeOf(videoOrdinals, videoId);
      const optionCode = codeOf(optionCodes, segmentFile.string('embedding_option', r));
      if (optionCode === options.length) options.push(segmentFile.string('embedding_option', r));
      const scopeName = segmentFile.string('embedding_scope', r);
      const scopeCode = codeOf(scopeCodes, scopeName);
      if (scopeCode === scopes.length) scopes.push(scopeName);
      const source = segmentFile.string('source', r);
      const metadataText = segmentFile.string('metadata', r);
      const groupCode = codeOf(groupCodes, `${videoCode}\u0000${source}\u0000${metadataText}`);
      if (groupCode === groups.length) groups.push({ video: videoCode, source, metadataText });
      video[label] = videoCode;
      option[label] = optionCode;
      scope[label] = scopeCode;
      group[label] = groupCode;
      start[label] = segmentFile.startSec[r] as number;
      end[label] = segmentFile.endSec[r] as number;
      file[label] = fileIndex;
      row[label] = r;
      labels.push(label);
    }
  }
  // Within a video: option, then start, then label, so adjacent clips sit side by side.
  labels.sort(
    (a, b) =>
      (video[a] as number) - (video[b] as number) ||
      (option[a] as number) - (option[b] as number) ||
      (start[a] as number) - (start[b] as number) ||
      a - b,
  );
  const videoLabels = Uint32Array.from(labels);
  const videoOffsets = offsetsOf(videoLabels, video, videoOrdinals.size);
  const groupLabels = Uint32Array.from(labels.sort((a, b) => (group[a] as number) - (group[b] as number) || a - b));
  return {
    files: names,
    dimension,
    options,
    scopes,
    videoIds: [...videoOrdinals.keys()],
    groups,
    video,
    option,
    scope,
    group,
    start,
    end,
    file,
    row,
    videoOffsets,
    videoLabels,
    groupOffsets: offsetsOf(groupLabels, group, groups.length),
    groupLabels,
  };
}

function codeOf(codes: Map<string, number>, key: string): number {
  let code = codes.get(key);
  if (code === undefined) {
    code = codes.size;
    codes.set(key, code);
  }
  return code;
}

/** Run boundaries of `sorted` (ordered by `codeOfLabel`): run c is offsets[c] to offsets[c + 1]. */
function offsetsOf(sorted: Uint32Array, codeOfLabel: Int32Array, codes: number): Uint32Array {
  const offsets = new Uint32Array(codes + 1);
  for (const label of sorted) {
    const at = (codeOfLabel[label] as number) + 1;
    offsets[at] = (offsets[at] as number) + 1;
  }
  for (let c = 0; c < codes; c++) offsets[c + 1] = (offsets[c + 1] as number) + (offsets[c] as number);
  return offsets;
}
