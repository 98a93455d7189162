/** What a media file's container and streams say about it (what the API calls system_metadata). */
export interface MediaFacts {
  /** Seconds; undefined for a still image. */
  durationSec: number | undefined;
  /** Frames per second of the first video stream. */
  fps: number | undefined;
  width: number | undefined;
  height: number | undefined;
  sizeBytes: number;
  hasVideo: boolean;
  hasAudio: boolean;
}
