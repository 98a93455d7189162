import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import { mediaTypeFromExtension } from '../media/index.js';
import type { Metadata } from '../types.js';
import { readJsonlObjects } from './read-jsonl.js';

/** One thing to embed, before its content is read. */
export interface MediaItem {
  /** A local path (absolute), an http(s) URL, or for an asset `asset://<asset_id>`. */
  source: string;
  isUrl: boolean;
  /** An asset the API already holds (a manifest line's `asset_id`): embedded from there, nothing uploaded. */
  assetId?: string | undefined;
  videoId: string;
  metadata: Metadata;
}

/** An input that will not be embedded, and why: reported in the build summary. */
export interface SkippedInput {
  source: string;
  reason: string;
}

export interface DiscoveredInputs {
  items: MediaItem[];
  /** Inputs that are not media vsearch embeds (reported, not an error). */
  skipped: SkippedInput[];
  /** Inputs that are missing or cannot be read: failures of the build. */
  failed: SkippedInput[];
}

/** How a segment's source names an asset the API holds: asset://<asset_id>, then /<its file name> once known. */
export const ASSET_SCHEME = 'asset://';

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

function urlVideoId(url: string): string {
  try {
    const name = basename(new URL(url).pathname);
    return name === '' ? url : decodeURIComponent(name);
  } catch {
    return url;
  }
}

/**
 * Expands the build's inputs: files, folders (recursively: video, audio and images), http(s)
 * URLs, and `.jsonl` manifests of `{source, video_id?, metadata?}`. A file's video id is its
 * file name wherever it was found, so naming a folder or its parent gives the same ids; a
 * URL's is its last path part; a manifest's `video_id` wins. Two different inputs with one id
 * cannot both be stored: the later ones are reported, before anything is read or sent.
 */
export async function discoverInputs(inputs: readonly string[], metadata: Metadata = {}): Promise<DiscoveredInputs> {
  const found: DiscoveredInputs = { items: [], skipped: [], failed: [] };
  // Checked before anything is sent: the rows would refuse it only after the API was paid.
  checkJsonValue(metadata, 'the metadata option');
  for (const input of inputs) {
    if (isUrl(input)) {
      found.items.push({ source: input, isUrl: true, videoId: urlVideoId(input), metadata: { ...metadata } });
      continue;
    }
    const path = resolve(input);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      found.failed.push({
        source: input,
        reason: `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      continue;
    }
    if (info.isDirectory()) {
      for (const file of await walk(path)) {
        // Text files in a media folder are READMEs and licences, not media; name them to embed them.
        const type = mediaTypeFromExtension(file);
        if (type === undefined || type.modality === 'text') continue;
        found.items.push({ source: file, isUrl: false, videoId: basename(file), metadata: { ...metadata } });
      }
    } else if (extname(path).toLowerCase() === '.jsonl') {
      await readManifest(path, metadata, found);
    } else {
      found.items.push({ source: path, isUrl: false, videoId: basename(path), metadata: { ...metadata } });
    }
  }
  return withOneSourcePerId(found);
}

/** The first input of each video id; a later one of another source is reported as skipped. */
function withOneSourcePerId(found: DiscoveredInputs): DiscoveredInputs {
  const firstSource = new Map<string, string>();
  const items: MediaItem[] = [];
  for (const item of found.items) {
    const first = firstSource.get(item.videoId);
    if (first === undefined) {
      firstSource.set(item.videoId, item.source);
      items.push(item);
    } else if (first !== item.source) {
      found.skipped.push({
        source: item.source,
        reason: `${first} has the same video id ${JSON.stringify(item.videoId)} (a file's id is its name); give one of them its own video_id in a .jsonl manifest of {source, video_id}`,
      });
    }
  }
  return { ...found, items };
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** A bad manifest line is bad input: the whole build stops before anything is sent. */
async function readManifest(path: string, metadata: Metadata, found: DiscoveredInputs): Promise<void> {
  for await (const { record: entry, line } of readJsonlObjects(path)) {
    const assetId = entry['asset_id'];
    if (assetId !== undefined && (typeof assetId !== 'string' || !/^[\w-]+$/.test(assetId)))
      throw new InputError('"asset_id" must be an asset id (letters, digits, _ and -)', { file: path, line });
    const source = assetId === undefined ? entry['source'] : `${ASSET_SCHEME}${assetId}`;
    if (typeof source !== 'string' || source === '')
      throw new InputError('the manifest line has neither "source" (a path or URL) nor "asset_id"', {
        file: path,
        line,
      });
    const videoId = entry['video_id'];
    if (videoId !== undefined && (typeof videoId !== 'string' || videoId === ''))
      throw new InputError('"video_id" must be a non-empty string', { file: path, line });
    const extra = entry['metadata'];
    if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra)))
      throw new InputError('"metadata" must be a JSON object', { file: path, line });
    if (extra !== undefined)
      checkJsonValue(extra, '"metadata"', (reason) => {
        throw new InputError(reason, { file: path, line });
      });
    const url = isUrl(source);
    const resolved = url || assetId !== undefined ? source : resolve(path, '..', source);
    found.items.push({
      source: resolved,
      isUrl: url,
      ...(assetId === undefined ? {} : { assetId }),
      videoId: (videoId as string | undefined) ?? assetId ?? (url ? urlVideoId(source) : basename(resolved)),
      metadata: { ...metadata, ...(extra as Metadata | undefined) },
    });
  }
}
