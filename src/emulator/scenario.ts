import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Scenario, ScenarioEntry, ScenarioSegment } from './types.js';

/** What the emulator knows about one piece of media, to find its scenario entry. */
export interface MediaIdentity {
  sha256?: string | undefined;
  /** File name or URL basename. */
  name?: string | undefined;
  url?: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkEntry(key: string, value: unknown, file: string | undefined): ScenarioEntry {
  const where = file === undefined ? {} : { file };
  if (!isRecord(value))
    throw new InputError(`scenario entry "${key}" must be an object with duration_sec and segments`, where);
  const duration = value['duration_sec'];
  if (typeof duration !== 'number' || !(duration > 0))
    throw new InputError(`scenario entry "${key}": duration_sec must be a positive number`, where);
  const rawSegments = value['segments'] ?? [];
  if (!Array.isArray(rawSegments)) throw new InputError(`scenario entry "${key}": segments must be an array`, where);
  const segments: ScenarioSegment[] = rawSegments.map((segment: unknown, i) => {
    if (
      !isRecord(segment) ||
      typeof segment['start'] !== 'number' ||
      typeof segment['end'] !== 'number' ||
      typeof segment['text'] !== 'string' ||
      segment['end'] < segment['start']
    ) {
      throw new InputError(
        `scenario entry "${key}": segments[${i}] must be {start, end, text} with end >= start`,
        where,
      );
    }
    return { start: segment['start'], end: segment['end'], text: segment['text'] };
  });
  const entry: ScenarioEntry = { duration_sec: duration, segments };
  if (value['fail'] === true) entry.fail = true;
  return entry;
}

/** Validates a scenario object or reads and validates a scenario JSON file. */
export function loadScenario(source: Scenario | string | undefined): Scenario {
  if (source === undefined) return {};
  let raw: unknown = source;
  let file: string | undefined;
  if (typeof source === 'string') {
    file = source;
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new InputError('cannot read the scenario file; check the path', { file: source, cause: error });
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new InputError(`the scenario file is not valid JSON: ${(error as Error).message}`, {
        file: source,
        cause: error,
      });
    }
  }
  if (!isRecord(raw))
    throw new InputError(
      'a scenario must be a JSON object keyed by content sha256 or file name',
      file === undefined ? {} : { file },
    );
  const out: Scenario = {};
  for (const [key, value] of Object.entries(raw)) out[key] = checkEntry(key, value, file);
  return out;
}

export function basename(pathOrUrl: string): string {
  let path = pathOrUrl;
  try {
    path = new URL(pathOrUrl).pathname;
  } catch {
    // not a URL: a plain file name or path
  }
  const last =
    path
      .split(/[\\/]/)
      .filter((part) => part.length > 0)
      .pop() ?? path;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** Looks an entry up by content hash first, then by file name / URL basename, then by full URL. */
export function findScenario(scenario: Scenario, media: MediaIdentity): ScenarioEntry | undefined {
  const keys = [media.sha256, media.name, media.url === undefined ? undefined : basename(media.url), media.url];
  for (const key of keys) {
    if (key === undefined || key.length === 0) continue;
    const entry = scenario[key];
    if (entry !== undefined) return entry;
  }
  return undefined;
}

/** The description of [start, end): the scenario segment that overlaps it most, if any. */
export function describeRange(entry: ScenarioEntry | undefined, start: number, end: number): string | undefined {
  if (entry === undefined) return undefined;
  let best: ScenarioSegment | undefined;
  let bestOverlap = 0;
  for (const segment of entry.segments) {
    const overlap = Math.min(end, segment.end) - Math.max(start, segment.start);
    if (
      overlap > bestOverlap ||
      (best === undefined && overlap >= 0 && end === start && segment.start <= start && start <= segment.end)
    ) {
      best = segment;
      bestOverlap = overlap;
    }
  }
  return best?.text;
}
