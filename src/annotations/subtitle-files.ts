import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { sha256Hex } from '../store/sha256.js';
import type { Annotation } from './annotation.js';
import type { StoredRequest } from './annotation-store.js';
import { parseSubtitles } from './subtitles.js';

/** A video's local media file and the content it was embedded from. */
export interface LocalVideo {
  videoId: string;
  source: string;
  contentSha256: string;
}

/**
 * The subtitle files beside a media file: NAME.srt or NAME.vtt next to NAME.mp4, and the
 * language-tagged NAME.LANG.srt that subtitle tools write (NAME.eng.srt).
 */
async function subtitleFilesOf(mediaPath: string): Promise<string[]> {
  const dir = dirname(mediaPath);
  const stem = basename(mediaPath, extname(mediaPath));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const ext = extname(name).toLowerCase();
      if (ext !== '.srt' && ext !== '.vtt') return false;
      const rest = basename(name, extname(name));
      return (
        rest === stem ||
        (rest.startsWith(`${stem}.`) && /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?$/.test(rest.slice(stem.length + 1)))
      );
    })
    .sort()
    .map((name) => join(dir, name));
}

/**
 * The cues of every subtitle file beside these videos' media that is not stored yet, as
 * annotations, with the request each answers (the subtitle file's content and the video's):
 * a file read twice, or unchanged at the next build, adds nothing.
 */
export async function subtitleAnnotations(
  videos: readonly LocalVideo[],
  stored: (key: string) => boolean,
): Promise<{ rows: Annotation[]; requests: StoredRequest[]; files: string[] }> {
  const rows: Annotation[] = [];
  const requests: StoredRequest[] = [];
  const files: string[] = [];
  for (const video of videos) {
    for (const file of await subtitleFilesOf(video.source)) {
      const text = await readFile(file, 'utf8');
      const key = `subtitle:${video.contentSha256}:${sha256Hex(text)}`;
      if (stored(key) || requests.some((r) => r.key === key)) continue;
      for (const cue of parseSubtitles(text, file)) {
        rows.push({
          videoId: video.videoId,
          start: cue.start,
          end: cue.end,
          definition: 'subtitle',
          fields: { file: basename(file) },
          text: cue.text,
          source: 'subtitle',
        });
      }
      requests.push({ key, videoId: video.videoId });
      files.push(file);
    }
  }
  return { rows, requests, files };
}
