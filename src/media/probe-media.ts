import { open } from 'node:fs/promises';
import type { AudioTrack, GeneralTrack, ImageTrack, MediaInfo, MediaInfoResult, Track, VideoTrack } from 'mediainfo.js';
import mediaInfoFactory, { isTrackType } from 'mediainfo.js';
import { ffprobeFacts } from './ffprobe-facts.js';
import type { MediaFacts } from './media-facts.js';
import { mediaTypeFromMagic } from './media-type.js';

/** Reads `length` bytes at `offset` (fewer at the end of the data). */
export type ReadAt = (length: number, offset: number) => Promise<Uint8Array>;

let parser: Promise<MediaInfo<'object'>> | undefined;
/** MediaInfo's WASM instance is not re-entrant: one analysis at a time. */
let queue: Promise<unknown> = Promise.resolve();

function serialized<T>(work: (info: MediaInfo<'object'>) => Promise<T>): Promise<T> {
  parser ??= mediaInfoFactory({ format: 'object' });
  const run = queue.then(async () => work(await (parser as Promise<MediaInfo<'object'>>)));
  queue = run.catch(() => undefined);
  return run;
}

const positive = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;

/** MediaInfo's answer in our terms; undefined when it found no media in the bytes. */
function factsOfResult(result: MediaInfoResult, sizeBytes: number): MediaFacts | undefined {
  const tracks: readonly Track[] = result.media?.track ?? [];
  const general = tracks.find((track): track is GeneralTrack => isTrackType(track, 'General'));
  const video = tracks.find((track): track is VideoTrack => isTrackType(track, 'Video'));
  const image = tracks.find((track): track is ImageTrack => isTrackType(track, 'Image'));
  const audio = tracks.find((track): track is AudioTrack => isTrackType(track, 'Audio'));
  if (video === undefined && audio === undefined && image === undefined) return undefined;
  const picture = video ?? image;
  return {
    durationSec:
      image !== undefined && video === undefined
        ? undefined
        : (positive(general?.Duration) ?? positive(video?.Duration) ?? positive(audio?.Duration)),
    fps: video === undefined ? undefined : positive(video.FrameRate),
    width: positive(picture?.Width),
    height: positive(picture?.Height),
    sizeBytes,
    hasVideo: video !== undefined,
    hasAudio: audio !== undefined,
  };
}

/**
 * MediaInfo's WASM heap grows with what it scans and never shrinks: bytes of no known format
 * are not handed to it (it would scan a 150 MB junk file for a sync word), and no probe reads
 * more than this. A two-hour MP4's `moov` index is a few MB; the rest is read as the end.
 */
const READ_BUDGET = 64 * 1024 * 1024;

/**
 * The facts of media given as a reader over `sizeBytes` bytes, through MediaInfo (WASM, shipped
 * with the package): the bytes need not be one file (a multipart upload's chunks, say).
 */
export async function probeMediaData(sizeBytes: number, read: ReadAt): Promise<MediaFacts | undefined> {
  if (mediaTypeFromMagic(await read(Math.min(64, sizeBytes), 0)) === undefined) return undefined;
  let budget = READ_BUDGET;
  const budgeted = async (length: number, offset: number): Promise<Uint8Array> => {
    if (budget <= 0) return new Uint8Array(0);
    const bytes = await read(Math.min(length, budget), offset);
    budget -= bytes.length;
    return bytes;
  };
  return serialized(async (info) => factsOfResult(await info.analyzeData(sizeBytes, budgeted), sizeBytes));
}

/**
 * A local file's media facts, or undefined when it holds no media MediaInfo can read; then a
 * system ffprobe is asked, when one is installed. MediaInfo comes first: on the real clips of
 * every accepted container it agreed with ffprobe within 0.03 s (README, "Media metadata").
 */
export async function probeMedia(path: string): Promise<MediaFacts | undefined> {
  const handle = await open(path, 'r');
  let facts: MediaFacts | undefined;
  try {
    const sizeBytes = (await handle.stat()).size;
    facts = await probeMediaData(sizeBytes, async (length, offset) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, sizeBytes - offset)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    });
  } finally {
    await handle.close();
  }
  return facts?.durationSec !== undefined || facts?.width !== undefined ? facts : ((await ffprobeFacts(path)) ?? facts);
}

/** A local media file's duration in seconds, or undefined when it cannot be told. */
export async function probeDuration(path: string): Promise<number | undefined> {
  try {
    return (await probeMedia(path))?.durationSec;
  } catch {
    return undefined;
  }
}
