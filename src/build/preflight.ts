import type { Modality } from '../types.js';

/** How an item will be embedded: one sync call, or an async task polled to completion. */
export type Route = 'sync' | 'task';

export interface PreflightInput {
  modality: Modality;
  apiVersion: 'v1' | 'v2';
  /** Bytes of a local file; undefined for a URL. */
  sizeBytes: number | undefined;
  durationSec: number | undefined;
}

export type PreflightVerdict = { ok: true; route: Route } | { ok: false; reason: string };

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** The documented limits (reference/ OpenAPI and seeds), per API version. */
const LIMITS = {
  v2: {
    image: 32 * MB,
    inline: 36 * MB,
    syncMaxSec: 600,
    taskMinSec: 4,
    taskMaxSec: 4 * 3600,
    taskFile: 10 * GB,
    textChars: 2000,
  },
  v1: { image: 5 * MB, videoFile: 2 * GB, taskMinSec: 4, taskMaxSec: 2 * 3600, textChars: 2000 },
} as const;

const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/**
 * Decides, from the documented limits, whether the API would take this item and which call
 * to use; a file it would reject is reported instead of being sent and paid for.
 * Inline (base64) media must be at most 36 MB encoded, so 27 MB of file.
 */
export function preflight(input: PreflightInput): PreflightVerdict {
  const { modality, apiVersion, sizeBytes, durationSec } = input;
  const tooBig = (limit: number, what: string): PreflightVerdict => ({
    ok: false,
    reason: `${mb(sizeBytes ?? 0)} is over the ${mb(limit)} limit for ${what}`,
  });
  if (modality === 'text') return { ok: true, route: 'sync' };
  if (modality === 'image') {
    const limit = apiVersion === 'v2' ? LIMITS.v2.image : LIMITS.v1.image;
    return sizeBytes !== undefined && sizeBytes > limit ? tooBig(limit, 'images') : { ok: true, route: 'sync' };
  }
  const limits = apiVersion === 'v2' ? LIMITS.v2 : LIMITS.v1;
  if (durationSec !== undefined && durationSec > limits.taskMaxSec) {
    return {
      ok: false,
      reason: `${durationSec.toFixed(0)} s is longer than the ${limits.taskMaxSec / 3600} h the API embeds`,
    };
  }
  if (apiVersion === 'v1') {
    if (modality === 'audio') return { ok: true, route: 'sync' };
    if (durationSec !== undefined && durationSec < LIMITS.v1.taskMinSec)
      return { ok: false, reason: `${durationSec.toFixed(2)} s is shorter than the 4 s minimum of a video` };
    return sizeBytes !== undefined && sizeBytes > LIMITS.v1.videoFile
      ? tooBig(LIMITS.v1.videoFile, 'Marengo 2.7 video')
      : { ok: true, route: 'task' };
  }
  if (sizeBytes !== undefined && sizeBytes > LIMITS.v2.taskFile) return tooBig(LIMITS.v2.taskFile, 'an uploaded file');
  const inlineable = sizeBytes === undefined || (sizeBytes * 4) / 3 <= LIMITS.v2.inline;
  if (durationSec !== undefined && durationSec <= LIMITS.v2.syncMaxSec && inlineable)
    return { ok: true, route: 'sync' };
  if (durationSec !== undefined && durationSec < LIMITS.v2.taskMinSec)
    return {
      ok: false,
      reason: `${durationSec.toFixed(2)} s is too short for a task and the file is too big to send inline`,
    };
  return { ok: true, route: 'task' };
}
