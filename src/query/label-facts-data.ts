import type { SegmentFile } from '../store/index.js';

/** The string columns the facts read. */
export type FactsColumn = 'video_id' | 'embedding_option' | 'embedding_scope' | 'source' | 'metadata';

/** What the facts read of a segment file: a PostgreSQL library hands its rows over in this shape too. */
export type FactsRows = Pick<SegmentFile, 'name' | 'count' | 'labels' | 'startSec' | 'endSec'> & {
  string(column: FactsColumn, row: number): string;
  /**
   * Rows read back from saved facts (saved-facts-rows.ts): the facts they came from, whose codes
   * are translated once per video, option and group instead of once per row.
   */
  saved?: LabelFactsData | undefined;
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
  const options = new Codes();
  const scopes = new Codes();
  const videoOrdinals = new Map<string, number>();
  const groupCodes = new Map<string, number>();
  const groups: GroupRecord[] = [];
  const labels = new Uint32Array(labelSpace);
  let stored = 0;
  const names: string[] = [];
  const groupOf = (videoCode: number, source: string, metadataText: string): number => {
    const groupCode = codeOf(groupCodes, `${videoCode}\u0000${source}\u0000${metadataText}`);
    if (groupCode === groups.length) groups.push({ video: videoCode, source, metadataText });
    return groupCode;
  };
  const translations = new Map<LabelFactsData, Translation>();
  for await (const segmentFile of files) {
    const fileIndex = names.length;
    names.push(segmentFile.name);
    const saved = segmentFile.saved;
    if (saved !== undefined) {
      let t = translations.get(saved);
      if (t === undefined) {
        t = {
          video: new Int32Array(saved.videoIds.length).fill(-1),
          option: new Int32Array(saved.options.length).fill(-1),
          scope: new Int32Array(saved.scopes.length).fill(-1),
          group: new Int32Array(saved.groups.length).fill(-1),
        };
        translations.set(saved, t);
      }
      for (let r = 0; r < segmentFile.count; r++) {
        const label = segmentFile.labels[r] as number;
        const oldVideo = saved.video[label] as number;
        let videoCode = t.video[oldVideo] as number;
        if (videoCode < 0) {
          videoCode = codeOf(videoOrdinals, saved.videoIds[oldVideo] ?? '');
          t.video[oldVideo] = videoCode;
        }
        const oldGroup = saved.group[label] as number;
        let groupCode = t.group[oldGroup] as number;
        if (groupCode < 0) {
          const record = saved.groups[oldGroup];
          groupCode = groupOf(videoCode, record?.source ?? '', record?.metadataText ?? '');
          t.group[oldGroup] = groupCode;
        }
        // Codes are given in the order first met, row by row, as for rows read from a segment file: the same facts either way.
        video[label] = videoCode;
        option[label] = translate(t.option, saved.option[label] as number, saved.options, options);
        scope[label] = translate(t.scope, saved.scope[label] as number, saved.scopes, scopes);
        group[label] = groupCode;
        start[label] = saved.start[label] as number;
        end[label] = saved.end[label] as number;
        file[label] = fileIndex;
        row[label] = r;
        labels[stored++] = label;
      }
      continue;
    }
    for (let r = 0; r < segmentFile.count; r++) {
      const label = segmentFile.labels[r] as number;
      const videoCode = codeOf(videoOrdinals, segmentFile.string('video_id', r));
      video[label] = videoCode;
      option[label] = options.code(segmentFile.string('embedding_option', r));
      scope[label] = scopes.code(segmentFile.string('embedding_scope', r));
      group[label] = groupOf(videoCode, segmentFile.string('source', r), segmentFile.string('metadata', r));
      start[label] = segmentFile.startSec[r] as number;
      end[label] = segmentFile.endSec[r] as number;
      file[label] = fileIndex;
      row[label] = r;
      labels[stored++] = label;
    }
  }
  const held = labels.subarray(0, stored);
  // Within a video: option, then start, then label, so adjacent clips sit side by side.
  const byVideo = bucketed(
    held,
    video,
    videoOrdinals.size,
    (a, b) => (option[a] as number) - (option[b] as number) || (start[a] as number) - (start[b] as number) || a - b,
  );
  const byGroup = bucketed(held, group, groups.length, (a, b) => a - b);
  return {
    files: names,
    dimension,
    options: options.names,
    scopes: scopes.names,
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
    videoOffsets: byVideo.offsets,
    videoLabels: byVideo.sorted,
    groupOffsets: byGroup.offsets,
    groupLabels: byGroup.sorted,
  };
}

/** Old codes of one saved facts table to this gathering's codes (-1: not met yet). */
interface Translation {
  video: Int32Array;
  option: Int32Array;
  scope: Int32Array;
  group: Int32Array;
}

function translate(known: Int32Array, old: number, oldNames: readonly string[], codes: Codes): number {
  let code = known[old] as number;
  if (code < 0) {
    code = codes.code(oldNames[old] ?? '');
    known[old] = code;
  }
  return code;
}

/** Names given codes in the order first met. */
class Codes {
  readonly names: string[] = [];
  readonly #codes = new Map<string, number>();

  code(name: string): number {
    const code = codeOf(this.#codes, name);
    if (code === this.names.length) this.names.push(name);
    return code;
  }
}

function codeOf(codes: Map<string, number>, key: string): number {
  let code = codes.get(key);
  if (code === undefined) {
    code = codes.size;
    codes.set(key, code);
  }
  return code;
}

/**
 * `labels` by code (a counting sort: one pass, no comparison across codes), each code's run
 * ordered by `within`; run c is offsets[c] to offsets[c + 1].
 */
function bucketed(
  labels: Uint32Array,
  codeOfLabel: Int32Array,
  codes: number,
  within: (a: number, b: number) => number,
): { sorted: Uint32Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(codes + 1);
  for (const label of labels) {
    const at = (codeOfLabel[label] as number) + 1;
    offsets[at] = (offsets[at] as number) + 1;
  }
  for (let c = 0; c < codes; c++) offsets[c + 1] = (offsets[c + 1] as number) + (offsets[c] as number);
  const next = offsets.slice(0, codes);
  const sorted = new Uint32Array(labels.length);
  for (const label of labels) {
    const code = codeOfLabel[label] as number;
    sorted[next[code] as number] = label;
    next[code] = (next[code] as number) + 1;
  }
  for (let c = 0; c < codes; c++) {
    const from = offsets[c] as number;
    const to = offsets[c + 1] as number;
    if (to - from > 1) sorted.subarray(from, to).sort(within);
  }
  return { sorted, offsets };
}
