import type { ImportFileRecord, ImportRecord, VideoSummary } from './manifest.js';

/**
 * What the library knows of one video beyond its segment rows: its segment count and duration
 * (derived from the segment files), and the import records and dedupe keys that name it (kept
 * here so the manifest stays O(files); lost, with a note, when the table is rebuilt from segments).
 */
export interface VideoFact {
  segments: number;
  /** The latest end_sec of the video's segments. */
  durationSec: number;
  /** sha256 of each imported file that brought segments of it. */
  imports: string[];
  /** Dedupe keys (content-key.ts) of content embedded into it. */
  contents: string[];
  /** What the media file said at build (absent for imports, and in libraries from before it was kept). */
  media?: VideoMedia | undefined;
  /** When its first segments were committed (absent in libraries from before it was kept). */
  createdAt?: string | undefined;
  /** When its segments or their user metadata last changed (absent likewise). */
  updatedAt?: string | undefined;
}

/** A video's system metadata beyond its duration, as read from the file (each field only when known). */
export type VideoMedia = NonNullable<VideoSummary['media']>;

export type VideoFacts = ReadonlyMap<string, VideoFact>;

/** What one write changes: whole new facts of the videos it touched, and the videos it removed. */
export interface VideoFactsDelta {
  upsert: Map<string, VideoFact>;
  removed: Set<string>;
}

export function emptyDelta(): VideoFactsDelta {
  return { upsert: new Map(), removed: new Set() };
}

export function applyDelta(facts: VideoFacts, delta: VideoFactsDelta): VideoFacts {
  if (delta.upsert.size === 0 && delta.removed.size === 0) return facts;
  const next = new Map(facts);
  for (const id of delta.removed) next.delete(id);
  for (const [id, fact] of delta.upsert) next.set(id, fact);
  return next;
}

/** The manifest's per-video view (videos, dedupe keys, import records with their videos) of the facts. */
export function factsView(
  facts: VideoFacts,
  importFiles: Readonly<Record<string, ImportFileRecord>>,
): { videos: Record<string, VideoSummary>; contents: Record<string, string>; imports: Record<string, ImportRecord> } {
  const videos: Record<string, VideoSummary> = {};
  const contents: Record<string, string> = {};
  const imports: Record<string, ImportRecord> = {};
  for (const [sha, record] of Object.entries(importFiles))
    imports[sha] = { file: record.file, segments: record.segments, importedAt: record.importedAt, videos: [] };
  for (const [id, fact] of facts) {
    videos[id] = {
      segments: fact.segments,
      durationSec: fact.durationSec,
      ...(fact.media === undefined ? {} : { media: fact.media }),
      ...(fact.createdAt === undefined ? {} : { createdAt: fact.createdAt }),
      ...(fact.updatedAt === undefined ? {} : { updatedAt: fact.updatedAt }),
    };
    for (const key of fact.contents) contents[key] = id;
    for (const sha of fact.imports) imports[sha]?.videos.push(id);
  }
  return { videos, contents, imports };
}

/**
 * The sum of the videos' durations, added in the order `Object.values(manifest.videos)` gives
 * (ids that are array indices first, ascending, then the rest as inserted), so the float sum is
 * the same as the manifest view's to the last bit.
 */
export function totalDuration(facts: VideoFacts): number {
  // forEach, not for...of over entries: no [id, fact] pair is made for each of 50k videos.
  const indexed: [number, number][] = [];
  facts.forEach((fact, id) => {
    if (isArrayIndex(id)) indexed.push([Number(id), fact.durationSec]);
  });
  indexed.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  for (const [, duration] of indexed) sum += duration;
  facts.forEach((fact, id) => {
    if (!isArrayIndex(id)) sum += fact.durationSec;
  });
  return sum;
}

function isArrayIndex(id: string): boolean {
  const first = id.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d*)$/.test(id) && Number(id) < 2 ** 32 - 1;
}

/** The facts a manifest of the old layout (every video in manifest.json) holds. */
export function factsOfLegacy(manifest: {
  videos: Readonly<Record<string, VideoSummary>>;
  contents: Readonly<Record<string, string>>;
  imports: Readonly<Record<string, ImportRecord>>;
}): Map<string, VideoFact> {
  const facts = new Map<string, VideoFact>();
  for (const [id, video] of Object.entries(manifest.videos))
    facts.set(id, { segments: video.segments, durationSec: video.durationSec, imports: [], contents: [] });
  for (const [key, holder] of Object.entries(manifest.contents)) facts.get(holder)?.contents.push(key);
  for (const [sha, record] of Object.entries(manifest.imports))
    for (const id of record.videos) facts.get(id)?.imports.push(sha);
  return facts;
}

/** Gathers the delta of an append: each touched video's facts as they will be after it. */
export class AppendDelta {
  readonly delta = emptyDelta();
  readonly #facts: VideoFacts;
  readonly #now = new Date().toISOString();

  constructor(facts: VideoFacts) {
    this.#facts = facts;
  }

  addRows(rows: { count: number; videoId: readonly string[]; endSec: Float64Array }): void {
    for (let i = 0; i < rows.count; i++) {
      const fact = this.#touched(rows.videoId[i] as string);
      fact.segments++;
      fact.durationSec = Math.max(fact.durationSec, rows.endSec[i] as number);
      fact.updatedAt = this.#now;
    }
  }

  /** The media facts of videos this append brings (only those it has rows for). */
  addMedia(media: Readonly<Record<string, VideoMedia>>): void {
    for (const [id, facts] of Object.entries(media)) {
      const fact = this.delta.upsert.get(id);
      if (fact !== undefined) fact.media = { ...facts };
    }
  }

  addContents(contents: Readonly<Record<string, string>>): void {
    for (const [key, holder] of Object.entries(contents)) {
      const fact = this.#touched(holder);
      if (!fact.contents.includes(key)) fact.contents.push(key);
    }
  }

  addImports(imports: Readonly<Record<string, ImportRecord>>): void {
    for (const [sha, record] of Object.entries(imports)) {
      for (const id of record.videos) {
        const fact = this.#touched(id);
        if (!fact.imports.includes(sha)) fact.imports.push(sha);
      }
    }
  }

  #touched(id: string): VideoFact {
    let fact = this.delta.upsert.get(id);
    if (fact === undefined) {
      const old = this.#facts.get(id);
      fact =
        old === undefined
          ? { segments: 0, durationSec: 0, imports: [], contents: [], createdAt: this.#now, updatedAt: this.#now }
          : { ...old, imports: [...old.imports], contents: [...old.contents] };
      this.delta.upsert.set(id, fact);
    }
    return fact;
  }
}

/** A delta that marks one video's user metadata as changed now (its segments stay as they are). */
export function touchedDelta(facts: VideoFacts, videoId: string): VideoFactsDelta {
  const delta = emptyDelta();
  const fact = facts.get(videoId);
  if (fact !== undefined) delta.upsert.set(videoId, { ...fact, updatedAt: new Date().toISOString() });
  return delta;
}
