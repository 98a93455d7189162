import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuseOptions, type OptionFusion } from '../../src/lexical/option-fusion.js';
import type { ClipHit } from '../../src/query/index.js';
import { HAS_SHARED_DATA, SHARED_DATA, sharedDataNote } from '../helpers/shared-data.js';

/**
 * The measurement the issue asks for: YouTube-8M zero-shot category accuracy (test split, 180
 * videos) when each video's visual-text and audio scores against a category's text are fused
 * by each option fusion. Every (category, video, option) cosine is exact (all 180 videos per
 * category: a search page holds 50); the fused lists go through fuseOptions, the code that
 * `query --fusion` runs; a video's category is the one whose fused score for it is highest.
 * The weighted fusion's visual weight is chosen on the validation split, then applied to test.
 */
const base = join(SHARED_DATA, 'marengo27_yt8m_categories');
sharedDataNote('the YouTube-8M fusion measurement');

interface Meta {
  class_queries: string[];
  videos: { row: number; split: string; label: string }[];
}

function unitRows(file: string, count: number): Float32Array[] {
  const bytes = readFileSync(join(base, file));
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return Array.from({ length: count }, (_, i) => {
    const row = floats.slice(i * 1024, (i + 1) * 1024);
    const norm = Math.hypot(...row);
    return row.map((x) => x / norm);
  });
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

function hit(videoId: string, option: string, score: number): ClipHit {
  return {
    rank: 0,
    video_id: videoId,
    start: 0,
    end: 20,
    score,
    confidence: 'low',
    embedding_option: option,
    embedding_scope: 'clip',
    metadata: {},
  };
}

function accuracy(
  split: string,
  options: readonly string[],
  fusion: OptionFusion,
  weights?: Record<string, number>,
): number {
  const meta = JSON.parse(readFileSync(join(base, 'meta.json'), 'utf8')) as Meta;
  const vectors: Record<string, Float32Array[]> = {
    'visual-text': unitRows('videos_visual_text_mean_360x1024.f32', 360),
    audio: unitRows('videos_audio_mean_360x1024.f32', 360),
  };
  const classes = unitRows('class_text_queries_10x1024.f32', 10);
  const videos = meta.videos.filter((v) => v.split === split);
  const best = new Map<number, { score: number; label: string }>();
  classes.forEach((query, c) => {
    const hits = videos.flatMap((v) =>
      options.map((option) => hit(String(v.row), option, dot(vectors[option]?.[v.row] ?? new Float32Array(), query))),
    );
    for (const fused of fuseOptions(hits, fusion, weights, true)) {
      const row = Number(fused.video_id);
      if ((best.get(row)?.score ?? -Infinity) < fused.score)
        best.set(row, { score: fused.score, label: meta.class_queries[c] ?? '' });
    }
  });
  return videos.filter((v) => best.get(v.row)?.label === v.label).length;
}

describe.skipIf(!HAS_SHARED_DATA)(
  'YouTube-8M zero-shot accuracy under each option fusion (visual-text + audio)',
  () => {
    it('measures every fusion on the test split', () => {
      const visualAlone = accuracy('test', ['visual-text'], 'max');
      const audioAlone = accuracy('test', ['audio'], 'max');
      const max = accuracy('test', ['visual-text', 'audio'], 'max');
      const rrf = accuracy('test', ['visual-text', 'audio'], 'rrf');
      const grid = Array.from({ length: 11 }, (_, i) => i / 10);
      const tuned = grid
        .map((w) => ({
          w,
          correct: accuracy('validation', ['visual-text', 'audio'], 'weighted', { 'visual-text': w, audio: 1 - w }),
        }))
        .sort((a, b) => b.correct - a.correct || b.w - a.w)[0];
      const weighted = accuracy('test', ['visual-text', 'audio'], 'weighted', {
        'visual-text': tuned?.w ?? 1,
        audio: 1 - (tuned?.w ?? 1),
      });
      const equal = accuracy('test', ['visual-text', 'audio'], 'weighted');
      const rrfVisualAlone = accuracy('test', ['visual-text'], 'rrf');
      const rrfValidation = accuracy('validation', ['visual-text', 'audio'], 'rrf');
      const rrfVisualValidation = accuracy('validation', ['visual-text'], 'rrf');
      const figures = {
        visualAlone,
        audioAlone,
        max,
        rrf,
        weighted,
        weightedVisual: tuned?.w,
        weightedValidation: tuned?.correct,
        equal,
        rrfVisualAlone,
        rrfValidation,
        rrfVisualValidation,
      };
      console.info(`YouTube-8M test (of 180): ${JSON.stringify(figures)}`);
      expect(visualAlone, 'the published visual-text figure').toBe(95);
      // Measured 2026-12-02. Audio does not help: max never lets its lower cosines win (95), the
      // weight chosen on validation is all visual (95), equal weights hurt (44). RRF's 108 is the
      // rank normalization per category, not audio: RRF over visual-text alone gives 111 (112 of
      // 180 on validation, where adding audio drops it to 102). So no fusion is the default.
      expect(figures).toEqual({
        visualAlone: 95,
        audioAlone: 25,
        max: 95,
        rrf: 108,
        weighted: 95,
        weightedVisual: 1,
        weightedValidation: 100,
        equal: 44,
        rrfVisualAlone: 111,
        rrfValidation: 102,
        rrfVisualValidation: 112,
      });
    }, 120_000);
  },
);
