import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { writeJsonl } from '../helpers/segments.js';
import { HAS_SHARED_DATA, SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

interface Meta {
  class_queries: string[];
  videos: { row: number; split: string; youtube_id: string; label: string }[];
  expected: { zero_shot_argmax_cosine_visual_text: Record<string, string> };
}

const tempDir = useTempDirs();
sharedDataNote('the YouTube-8M zero-shot test');
const base = join(SHARED_DATA, 'marengo27_yt8m_categories');

function rowsOf(file: string, count: number): number[][] {
  const bytes = readFileSync(join(base, file));
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return Array.from({ length: count }, (_, i) => Array.from(floats.subarray(i * 1024, (i + 1) * 1024)));
}

describe.skipIf(!HAS_SHARED_DATA)('YouTube-8M zero-shot classification through the search engine', () => {
  it('reproduces the published 95/180 (test) and 100/180 (validation)', async () => {
    const meta = JSON.parse(readFileSync(join(base, 'meta.json'), 'utf8')) as Meta;
    const videos = rowsOf('videos_visual_text_mean_360x1024.f32', 360);
    const classes = rowsOf('class_text_queries_10x1024.f32', 10);
    // The ten category-name text embeddings form the library; each video's vector is the query,
    // and its top hit is the predicted category (argmax cosine, as the published evaluation).
    const dir = await tempDir();
    const path = await writeJsonl(
      dir,
      'classes.jsonl',
      classes.map((embedding, i) => ({ video_id: meta.class_queries[i], start_sec: 0, end_sec: 1, embedding })),
    );
    const lib = await openLibrary(join(dir, 'lib'), { create: true });
    await lib.importSegments(path);
    const correct: Record<string, number> = { validation: 0, test: 0 };
    const total: Record<string, number> = { validation: 0, test: 0 };
    for (const video of meta.videos) {
      const response = await lib.search({ vector: videos[video.row], pageLimit: 1 });
      total[video.split] = (total[video.split] ?? 0) + 1;
      if (response.data[0]?.video_id === video.label) correct[video.split] = (correct[video.split] ?? 0) + 1;
    }
    const published = meta.expected.zero_shot_argmax_cosine_visual_text;
    expect(`${correct['test']}/${total['test']}`).toBe(published['test']);
    expect(`${correct['validation']}/${total['validation']}`).toBe(published['validation']);
    expect(published).toEqual({ test: '95/180', validation: '100/180' });
  });
});
