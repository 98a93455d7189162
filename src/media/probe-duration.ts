import { execFile, spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { mediaTypeFromMagic } from './media-type.js';

const ffprobeByPath = new Map<string, boolean>();

/** Whether ffprobe runs from the current PATH (checked once per PATH). */
export function ffprobeAvailable(): boolean {
  const path = process.env['PATH'] ?? '';
  let known = ffprobeByPath.get(path);
  if (known === undefined) {
    known = spawnSync('ffprobe', ['-version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    ffprobeByPath.set(path, known);
  }
  return known;
}

/**
 * A local media file's duration in seconds, or undefined when it cannot be told:
 * ffprobe when it is installed, else the container's own header (MP4/MOV `mvhd`, WAV).
 * Without `format` the file's first bytes tell it.
 */
export async function probeDuration(path: string, format?: string): Promise<number | undefined> {
  const fromFfprobe = await ffprobeDuration(path);
  if (fromFfprobe !== undefined) return fromFfprobe;
  try {
    format ??= mediaTypeFromMagic(await readAt(path, 0, 64))?.format;
    if (format === 'mp4' || format === 'mov' || format === 'm4a') return await mp4Duration(path);
    if (format === 'wav') return await wavDuration(path);
  } catch {
    return undefined;
  }
  return undefined;
}

function ffprobeDuration(path: string): Promise<number | undefined> {
  if (!ffprobeAvailable()) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { timeout: 15_000 }, (error, stdout) => {
      const seconds = Number(stdout.trim());
      resolve(error === null && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined);
    });
  });
}

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Walks the top-level boxes to `moov`, then its children to `mvhd`: timescale and duration. */
async function mp4Duration(path: string): Promise<number | undefined> {
  const findBox = async (start: number, end: number, type: string): Promise<{ start: number; size: number } | undefined> => {
    let at = start;
    while (at + 8 <= end) {
      const header = await readAt(path, at, 16);
      if (header.length < 8) return undefined;
      let size = header.readUInt32BE(0);
      let headerSize = 8;
      if (size === 1) {
        size = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (size === 0) size = end - at;
      if (size < headerSize) return undefined;
      if (header.toString('latin1', 4, 8) === type) return { start: at + headerSize, size: size - headerSize };
      at += size;
    }
    return undefined;
  };
  const handle = await open(path, 'r');
  const fileSize = (await handle.stat()).size;
  await handle.close();
  const moov = await findBox(0, fileSize, 'moov');
  if (moov === undefined) return undefined;
  const mvhd = await findBox(moov.start, moov.start + moov.size, 'mvhd');
  if (mvhd === undefined) return undefined;
  const body = await readAt(path, mvhd.start, 32);
  const version = body.readUInt8(0);
  const timescale = version === 1 ? body.readUInt32BE(20) : body.readUInt32BE(12);
  const duration = version === 1 ? Number(body.readBigUInt64BE(24)) : body.readUInt32BE(16);
  return timescale > 0 && duration > 0 ? duration / timescale : undefined;
}

/** RIFF/WAVE: the `data` chunk's size over the `fmt ` chunk's byte rate. */
async function wavDuration(path: string): Promise<number | undefined> {
  const head = await readAt(path, 0, 4096);
  let at = 12;
  let byteRate: number | undefined;
  while (at + 8 <= head.length) {
    const id = head.toString('latin1', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === 'fmt ') byteRate = head.readUInt32LE(at + 16);
    if (id === 'data') return byteRate === undefined || byteRate === 0 ? undefined : size / byteRate;
    at += 8 + size + (size % 2);
  }
  return undefined;
}
