import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { writeJsonl } from '../helpers/segments.js';
import { HAS_SHARED_DATA, SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

interface Shorts {
  videos: {
    id: string;
    segments: { start_offset_sec: number; end_offset_sec: number; visual_text: number[]; audio: number[] }[];
  }[];
}

const tempDir = useTempDirs();
sharedDataNote('the YouTube Shorts segment tests');

describe.skipIf(!HAS_SHARED_DATA)('45 real YouTube-Shorts segments with visual-text and audio vectors', () => {
  it.each(['exact', 'hnsw'] as const)(
    'each segment finds a segment of its own video with --search-options visual (%s index)',
    async (kind) => {
      const data = JSON.parse(
        readFileSync(join(SHARED_DATA, 'marengo27_yt_shorts_segments', 'marengo27_yt_shorts_segments.json'), 'utf8'),
      ) as Shorts;
      const rows = data.videos.flatMap((video) =>
        video.segments.flatMap((s) => [
          {
            video_id: `short-${video.id}`,
            start_sec: s.start_offset_sec,
            end_sec: s.end_offset_sec,
            embedding_option: 'visual-text',
            embedding: s.visual_text,
          },
          {
            video_id: `short-${video.id}`,
            start_sec: s.start_offset_sec,
            end_sec: s.end_offset_sec,
            embedding_option: 'audio',
            embedding: s.audio,
          },
        ]),
      );
      expect(rows).toHaveLength(90);
      const dir = await tempDir();
      const lib = await openLibrary(join(dir, 'lib'), { create: true, index: { kind } });
      const summary = await lib.importSegments(await writeJsonl(dir, 'shorts.jsonl', rows));
      expect(summary).toMatchObject({ segments: 90, videos: 8, model: 'Marengo-retrieval-2.7' });
      let sameVideo = 0;
      for (const video of data.videos) {
        for (const segment of video.segments) {
          const response = await lib.search({
            like: `short-${video.id}@${segment.start_offset_sec}`,
            searchOptions: ['visual'],
            pageLimit: 1,
          });
          const top = response.data[0];
          expect(top?.embedding_option).toBe('visual-text');
          expect(top?.start === segment.start_offset_sec && top.video_id === `short-${video.id}`).toBe(false);
          if (top?.video_id === `short-${video.id}`) sameVideo++;
        }
      }
      expect(sameVideo).toBe(45);
    },
  );
});
