import { describe, expect, it } from 'vitest';
import { preflight } from '../../src/build/preflight.js';

const MB = 1024 * 1024;

describe('preflight', () => {
  it.each([
    [
      'short v2 video goes sync',
      { modality: 'video', apiVersion: 'v2', sizeBytes: 5 * MB, durationSec: 30 },
      { ok: true, route: 'sync' },
    ],
    [
      'v2 video of unknown length goes to a task',
      { modality: 'video', apiVersion: 'v2', sizeBytes: 5 * MB, durationSec: undefined },
      { ok: true, route: 'task' },
    ],
    [
      'v2 video over 10 minutes goes to a task',
      { modality: 'video', apiVersion: 'v2', sizeBytes: 5 * MB, durationSec: 601 },
      { ok: true, route: 'task' },
    ],
    [
      'v2 video too big to inline goes to a task',
      { modality: 'video', apiVersion: 'v2', sizeBytes: 30 * MB, durationSec: 60 },
      { ok: true, route: 'task' },
    ],
    [
      'v1 video always goes to a task',
      { modality: 'video', apiVersion: 'v1', sizeBytes: MB, durationSec: 30 },
      { ok: true, route: 'task' },
    ],
    [
      'v1 audio goes sync',
      { modality: 'audio', apiVersion: 'v1', sizeBytes: MB, durationSec: undefined },
      { ok: true, route: 'sync' },
    ],
    [
      'an image goes sync',
      { modality: 'image', apiVersion: 'v2', sizeBytes: MB, durationSec: undefined },
      { ok: true, route: 'sync' },
    ],
  ] as const)('%s', (_name, input, verdict) => expect(preflight(input)).toEqual(verdict));

  it.each([
    [
      'a v2 image over 32 MB',
      { modality: 'image', apiVersion: 'v2', sizeBytes: 33 * MB, durationSec: undefined },
      /33\.0 MB is over the 32\.0 MB limit for images/,
    ],
    [
      'a v1 image over 5 MB',
      { modality: 'image', apiVersion: 'v1', sizeBytes: 6 * MB, durationSec: undefined },
      /over the 5\.0 MB limit/,
    ],
    [
      'a video over 4 hours',
      { modality: 'video', apiVersion: 'v2', sizeBytes: MB, durationSec: 5 * 3600 },
      /longer than the 4 h/,
    ],
    [
      'a Marengo 2.7 video over 2 hours',
      { modality: 'video', apiVersion: 'v1', sizeBytes: MB, durationSec: 3 * 3600 },
      /longer than the 2 h/,
    ],
    [
      'a Marengo 2.7 video under 4 s',
      { modality: 'video', apiVersion: 'v1', sizeBytes: MB, durationSec: 3 },
      /shorter than the 4 s minimum/,
    ],
    [
      'a Marengo 2.7 video over 2 GB',
      { modality: 'video', apiVersion: 'v1', sizeBytes: 3 * 1024 * MB, durationSec: undefined },
      /limit for Marengo 2\.7 video/,
    ],
    [
      'a 3 s v2 video too big to inline',
      { modality: 'video', apiVersion: 'v2', sizeBytes: 40 * MB, durationSec: 3 },
      /too short for a task/,
    ],
  ] as const)('rejects %s', (_name, input, reason) => {
    const verdict = preflight(input);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });
});
