import type { LabelFactsData } from './label-facts-data.js';

/** Scopes whose vector stands for a whole video (v1 "video", v2 "asset"): never a clip row. */
const WHOLE_VIDEO_SCOPES: readonly string[] = ['video', 'asset'];

/** Two clip ends closer than this are the same time (the stored float64 seconds of one span). */
const SAME_TIME = 1e-6;

/**
 * Which labels a clip search may list: clip-scope rows, one per (video, embedding option,
 * start, end). Of twins sharing all four (the same span stored twice), the lowest label stands
 * for them, so no page, and no later page, shows the same clip twice and totals count it once.
 * Labels the store does not hold are 0.
 */
export function clipRowsOf(data: LabelFactsData): { clipRow: Uint8Array; count: number } {
  const clipRow = new Uint8Array(data.video.length);
  const wholeCodes = new Set(data.scopes.flatMap((name, code) => (WHOLE_VIDEO_SCOPES.includes(name) ? [code] : [])));
  let count = 0;
  // videoLabels runs by video, then option, then start, then label: twins sit in one run of equal (video, option, start).
  const labels = data.videoLabels;
  let runStart = 0;
  for (let i = 0; i <= labels.length; i++) {
    const label = labels[i];
    const previous = labels[runStart];
    if (label !== undefined && previous !== undefined && sameStart(data, previous, label)) continue;
    count += markRun(data, labels.subarray(runStart, i), wholeCodes, clipRow);
    runStart = i;
  }
  return { clipRow, count };
}

function sameStart(data: LabelFactsData, a: number, b: number): boolean {
  return (
    data.video[a] === data.video[b] &&
    data.option[a] === data.option[b] &&
    Math.abs((data.start[a] as number) - (data.start[b] as number)) < SAME_TIME
  );
}

/** Marks the first clip-scope label of each end within one (video, option, start) run; returns how many. */
function markRun(data: LabelFactsData, run: Uint32Array, wholeCodes: ReadonlySet<number>, clipRow: Uint8Array): number {
  const ends: number[] = [];
  for (const label of run) {
    if (wholeCodes.has(data.scope[label] as number)) continue;
    const end = data.end[label] as number;
    if (ends.some((seen) => Math.abs(seen - end) < SAME_TIME)) continue;
    ends.push(end);
    clipRow[label] = 1;
  }
  return ends.length;
}
