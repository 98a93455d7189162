import { createHash, randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkUrl,
  HttpFailure,
  invalid,
  isRecord,
  type MultipartForm,
  missing,
  type UploadedFile,
} from '../http/index.js';
import { probeDuration } from '../media/index.js';
import { type Media, resolveMedia } from './media.js';
import { basename, findScenario } from './scenario.js';
import { type EmulatorState, statusOf } from './state.js';
import type { Scenario } from './types.js';

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export function mediaFromUrl(state: EmulatorState, url: string): Media {
  return resolveMedia(state.scenario, { url, name: basename(url) });
}

export function mediaFromFile(state: EmulatorState, file: UploadedFile, probedDurationSec?: number): Media {
  return resolveMedia(state.scenario, {
    sha256: file.sha256,
    name: file.filename,
    filename: file.filename,
    probedDurationSec,
  });
}

/** Multipart options: file parts are spooled to disk, where their duration can be probed. */
export function spoolOptions(state: EmulatorState): { spoolDir?: string } {
  return { spoolDir: state.scratchDir() };
}

/**
 * Probes the spooled file parts of a form that the scenario gives no duration, deletes the
 * spool files, returns durations by field. Described media are answered without a probe, as
 * fast as before spooling existed.
 */
export async function probeForm(form: MultipartForm, scenario: Scenario): Promise<Map<string, number | undefined>> {
  const durations = new Map<string, number | undefined>();
  await Promise.all(
    form.files.map(async (file) => {
      if (file.path === undefined) return;
      try {
        if (findScenario(scenario, { sha256: file.sha256, name: file.filename }) === undefined)
          durations.set(file.field, await probeDuration(file.path));
      } finally {
        await rm(file.path, { force: true });
      }
    }),
  );
  return durations;
}

async function probeBytes(state: EmulatorState, bytes: Buffer): Promise<number | undefined> {
  const path = join(state.scratchDir(), `${randomUUID()}.b64`);
  try {
    await writeFile(path, bytes);
    return await probeDuration(path);
  } finally {
    await rm(path, { force: true });
  }
}

function mediaFromAsset(state: EmulatorState, assetId: string, field: string): Media {
  const asset = state.assets.get(assetId);
  if (asset === undefined)
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `The ${field} parameter is invalid. Asset ${assetId} does not exist.`,
      { field },
    );
  const status = statusOf(asset);
  if (status !== 'ready')
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `The ${field} parameter is invalid. Asset ${assetId} is ${status}; wait until its status is ready.`,
      { field },
    );
  const media = resolveMedia(state.scenario, {
    sha256: asset.sha256,
    name: asset.filename,
    url: asset.url,
    filename: asset.filename,
    probedDurationSec: asset.durationSec,
  });
  if (asset.url === undefined) delete media.inputUrl;
  return media;
}

/** A v2 `media_source`: exactly one of url, base64_string, asset_id. */
export async function mediaFromSource(state: EmulatorState, raw: unknown, field: string): Promise<Media> {
  if (raw === undefined || raw === null) throw missing(field);
  if (!isRecord(raw)) throw invalid(field);
  const given = (['url', 'base64_string', 'asset_id'] as const).filter(
    (key) => raw[key] !== undefined && raw[key] !== null,
  );
  if (given.length === 0)
    throw new HttpFailure(
      400,
      'parameter_not_provided',
      `The ${field} parameter must have one of url, base64_string or asset_id.`,
      { field },
    );
  if (given.length > 1)
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `The ${field} parameter is invalid. Provide exactly one of url, base64_string or asset_id, not ${given.join(' and ')}.`,
      { field },
    );
  const key = given[0] ?? 'url';
  const value = raw[key];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${field}.${key}`);
  if (key === 'url') return mediaFromUrl(state, checkUrl(value, `${field}.url`));
  if (key === 'asset_id') return mediaFromAsset(state, value, `${field}.asset_id`);
  if (!BASE64.test(value)) throw invalid(`${field}.base64_string`, 'It is not valid base64.');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length === 0) throw invalid(`${field}.base64_string`, 'It decodes to no bytes.');
  return resolveMedia(state.scenario, {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    probedDurationSec: await probeBytes(state, bytes),
  });
}
