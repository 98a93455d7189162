import type { JsonlSegment } from './segments.js';

/** A brute-force answer to a search, computed straight from the segments the test wrote. */
export interface ExactHit {
  /** video@start/option, as `hitKey` gives for a hit. */
  key: string;
  video: string;
  start: number;
  end: number;
  score: number;
  option: string;
}

export interface ExactVideo {
  video: string;
  score: number;
  clips: ExactHit[];
}

export interface ExactRules {
  /** Which segments the filter and search options allow; all by default. */
  allow?: (segment: JsonlSegment) => boolean;
  /** Lowest score a clip may have. */
  floor?: number;
  /** operator "and": a video qualifies only when each query has a clip at or above the floor. */
  every?: boolean;
  mergeAdjacent?: boolean;
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

const optionOf = (segment: JsonlSegment): string => (segment['embedding_option'] as string | undefined) ?? 'visual';

/** Every matching clip (or merged run), best first. */
export function exactClips(
  segments: readonly JsonlSegment[],
  queries: readonly (readonly number[])[],
  rules: ExactRules = {},
): ExactHit[] {
  const pool = segments.filter((segment) => rules.allow?.(segment) ?? true);
  const scoreOf = new Map(
    pool.map((segment) => [segment, Math.max(...queries.map((query) => cosine(segment.embedding, query)))]),
  );
  const passes = (score: number): boolean => rules.floor === undefined || score >= rules.floor;
  const videos = new Set(pool.map((segment) => segment.video_id));
  if (rules.every === true) {
    for (const video of [...videos]) {
      const own = pool.filter((segment) => segment.video_id === video);
      if (!queries.every((query) => own.some((segment) => passes(cosine(segment.embedding, query)))))
        videos.delete(video);
    }
  }
  const matches = (segment: JsonlSegment): boolean =>
    videos.has(segment.video_id) && passes(scoreOf.get(segment) as number);
  const hits: ExactHit[] = [];
  for (const video of videos) {
    const own = pool
      .filter((segment) => segment.video_id === video)
      .sort((a, b) => optionOf(a).localeCompare(optionOf(b)) || a.start_sec - b.start_sec);
    let run: JsonlSegment[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      const best = run.reduce((x, y) => ((scoreOf.get(y) as number) > (scoreOf.get(x) as number) ? y : x));
      hits.push({
        key: `${video}@${(run[0] as JsonlSegment).start_sec}/${optionOf(run[0] as JsonlSegment)}`,
        video,
        start: (run[0] as JsonlSegment).start_sec,
        end: (run[run.length - 1] as JsonlSegment).end_sec,
        score: scoreOf.get(best) as number,
        option: optionOf(best),
      });
      run = [];
    };
    for (const segment of own) {
      if (!matches(segment)) {
        flush();
        continue;
      }
      const last = run[run.length - 1];
      const adjacent =
        rules.mergeAdjacent === true &&
        last !== undefined &&
        optionOf(last) === optionOf(segment) &&
        last.end_sec === segment.start_sec;
      if (!adjacent) flush();
      run.push(segment);
    }
    flush();
  }
  return hits.sort((a, b) => b.score - a.score);
}

/** Videos ranked by their best match, each with its matches best first. */
export function exactVideos(
  segments: readonly JsonlSegment[],
  queries: readonly (readonly number[])[],
  rules: ExactRules = {},
): ExactVideo[] {
  const byVideo = new Map<string, ExactHit[]>();
  for (const hit of exactClips(segments, queries, rules)) {
    const list = byVideo.get(hit.video);
    if (list === undefined) byVideo.set(hit.video, [hit]);
    else list.push(hit);
  }
  return [...byVideo].map(([video, clips]) => ({ video, score: (clips[0] as ExactHit).score, clips }));
}

/** The key `exactClips` gives the same hit. */
export function hitKey(hit: { video_id: string; start: number; embedding_option: string }): string {
  return `${hit.video_id}@${hit.start}/${hit.embedding_option}`;
}

/** Clips a search grouped by video lists under each video (README, vsearch query, `--group-by video`). */
const CLIPS_PER_VIDEO = 10;

/** The clips listed under a video grouped by video: at or above the floor (0 without one), best first, at most 10. */
export function listedClips(video: ExactVideo | undefined, floor?: number): ExactHit[] {
  return (video?.clips ?? []).filter((clip) => clip.score >= (floor ?? 0)).slice(0, CLIPS_PER_VIDEO);
}
