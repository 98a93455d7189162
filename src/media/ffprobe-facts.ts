import { execFile, spawnSync } from 'node:child_process';
import type { MediaFacts } from './media-facts.js';

const ffprobeByPath = new Map<string, boolean>();

/** Whether ffprobe runs from the current PATH (checked once per PATH). */
function ffprobeAvailable(): boolean {
  const path = process.env['PATH'] ?? '';
  let known = ffprobeByPath.get(path);
  if (known === undefined) {
    known = spawnSync('ffprobe', ['-version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    ffprobeByPath.set(path, known);
  }
  return known;
}

interface FfprobeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
}

interface FfprobeAnswer {
  format?: { duration?: string; size?: string };
  streams?: FfprobeStream[];
}

const rate = (fraction: string | undefined): number | undefined => {
  const [num, den] = (fraction ?? '').split('/').map(Number);
  return num !== undefined && den !== undefined && den > 0 && num > 0 ? num / den : undefined;
};

/** A system ffprobe's reading of a file, when one is installed and it can read it. */
export function ffprobeFacts(path: string): Promise<MediaFacts | undefined> {
  if (!ffprobeAvailable()) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path],
      { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) return resolve(undefined);
        let answer: FfprobeAnswer;
        try {
          answer = JSON.parse(stdout) as FfprobeAnswer;
        } catch {
          return resolve(undefined);
        }
        const video = answer.streams?.find((stream) => stream.codec_type === 'video');
        const duration = Number(answer.format?.duration);
        resolve({
          durationSec: Number.isFinite(duration) && duration > 0 ? duration : undefined,
          fps: rate(video?.avg_frame_rate),
          width: video?.width,
          height: video?.height,
          sizeBytes: Number(answer.format?.size ?? 0),
          hasVideo: video !== undefined,
          hasAudio: answer.streams?.some((stream) => stream.codec_type === 'audio') ?? false,
        });
      },
    );
  });
}
