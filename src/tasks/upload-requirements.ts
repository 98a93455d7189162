import type { MediaFacts } from '../media/media-facts.js';

/** Why the API would refuse an upload, in its terms: a code and a message. */
export interface TaskError {
  code: string;
  message: string;
}

/** The documented prerequisites of a video for an index with Marengo (the seeds' "Video requirements"). */
export const MARENGO_VIDEO = {
  minSec: 4,
  maxSec: 7200,
  minSide: 360,
  maxWidth: 3840,
  maxHeight: 2160,
  maxBytes: 2 * 1024 * 1024 * 1024,
} as const;

const DURATION_RULE = 'Duration: for Marengo, it must be between 4 seconds and 2 hours (7,200s).';
const RESOLUTION_RULE = 'Video resolution: must be at least 360x360 and must not exceed 3840x2160.';

/**
 * What stops a video from being indexed, checked before anything is sent upstream: undefined when
 * it meets every prerequisite. `facts` undefined means the bytes held no media at all.
 */
export function uploadProblem(
  facts: MediaFacts | undefined,
  maxBytes: number = MARENGO_VIDEO.maxBytes,
  /** An asset whose resolution the assets API did not give: the upstream judges it. */
  resolutionMayBeUnknown = false,
): TaskError | undefined {
  if (facts !== undefined && facts.sizeBytes > maxBytes) {
    return {
      code: 'video_filesize_too_large',
      message: `The video file is ${facts.sizeBytes} bytes; the file size must not exceed ${maxBytes} bytes.`,
    };
  }
  if (facts === undefined || !facts.hasVideo) {
    const what = facts === undefined ? 'no media a player can read' : 'audio only, with no video stream';
    return {
      code: 'unsupported_media_type',
      message: `The file is not a video (it holds ${what}). Video and audio formats: your video files must be encoded in the formats listed on the FFmpeg Formats Documentation page.`,
    };
  }
  const { durationSec, width, height } = facts;
  if (durationSec === undefined)
    return {
      code: 'video_duration_invalid',
      message: `The duration of the video cannot be read from the file. ${DURATION_RULE}`,
    };
  if (durationSec < MARENGO_VIDEO.minSec)
    return {
      code: 'video_duration_too_short',
      message: `The video is ${durationSec.toFixed(2)} s long. ${DURATION_RULE}`,
    };
  if (durationSec > MARENGO_VIDEO.maxSec)
    return {
      code: 'video_duration_too_long',
      message: `The video is ${durationSec.toFixed(0)} s long. ${DURATION_RULE}`,
    };
  if ((width === undefined || height === undefined) && resolutionMayBeUnknown) return undefined;
  if (width === undefined || height === undefined)
    return {
      code: 'video_resolution_invalid',
      message: `The resolution of the video cannot be read from the file. ${RESOLUTION_RULE}`,
    };
  const [long, short] = width >= height ? [width, height] : [height, width];
  if (short < MARENGO_VIDEO.minSide)
    return { code: 'video_resolution_too_low', message: `The video is ${width}x${height}. ${RESOLUTION_RULE}` };
  if (long > MARENGO_VIDEO.maxWidth || short > MARENGO_VIDEO.maxHeight)
    return { code: 'video_resolution_too_high', message: `The video is ${width}x${height}. ${RESOLUTION_RULE}` };
  return undefined;
}
