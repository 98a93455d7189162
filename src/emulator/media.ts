import { findScenario, type MediaIdentity } from './scenario.js';
import type { Scenario, ScenarioEntry } from './types.js';

/** Used only when neither the scenario nor the bytes tell how long a piece of media is: a URL (never fetched) or bytes no parser reads. */
const DEFAULT_MEDIA_DURATION_SEC = 30;

export interface Media {
  /** Seeds the vectors of undescribed media: the content hash when known, else the URL or name. */
  key: string;
  entry: ScenarioEntry | undefined;
  durationSec: number;
  inputUrl?: string;
  inputFilename?: string;
}

export interface MediaFacts extends MediaIdentity {
  filename?: string | undefined;
  probedDurationSec?: number | undefined;
}

export function resolveMedia(scenario: Scenario, facts: MediaFacts): Media {
  const entry = findScenario(scenario, facts);
  const key =
    facts.sha256 ??
    (facts.url === undefined ? undefined : `url:${facts.url}`) ??
    `name:${facts.name ?? facts.filename ?? ''}`;
  const media: Media = {
    key,
    entry,
    durationSec: entry?.duration_sec ?? facts.probedDurationSec ?? DEFAULT_MEDIA_DURATION_SEC,
  };
  if (facts.url !== undefined) media.inputUrl = facts.url;
  if (facts.filename !== undefined) media.inputFilename = facts.filename;
  return media;
}
