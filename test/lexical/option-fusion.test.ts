import { describe, expect, it } from 'vitest';
import { RRF_K } from '../../src/lexical/fusion.js';
import { fuseOptions } from '../../src/lexical/option-fusion.js';
import type { ClipHit } from '../../src/query/index.js';

const hit = (video: string, start: number, option: string, score: number): ClipHit => ({
  rank: 0,
  video_id: video,
  start,
  end: start + 6,
  score,
  confidence: 'low',
  embedding_option: option,
  embedding_scope: 'clip',
  metadata: {},
});

// v1@0 is found by visual (0.5) and audio (0.1); v2@0 by visual (0.4) and audio (0.45); v1@12 by visual only.
const hits = [
  hit('v1', 0, 'visual', 0.5),
  hit('v1', 0, 'audio', 0.1),
  hit('v2', 0, 'visual', 0.4),
  hit('v2', 3, 'audio', 0.45),
  hit('v1', 12, 'visual', 0.2),
];

describe('fuseOptions', () => {
  it('max: one hit per moment with its best option cosine', () => {
    const fused = fuseOptions(hits, 'max', undefined, false);
    expect(fused.map((h) => [h.video_id, h.start, h.score, h.embedding_option])).toEqual([
      ['v1', 0, 0.5, 'audio+visual'],
      ['v2', 3, 0.45, 'audio+visual'],
      ['v1', 12, 0.2, 'visual'],
    ]);
    expect(fused[0]?.option_scores).toEqual({ visual: 0.5, audio: 0.1 });
  });

  it("rrf: each option's own rank, 1 / (k + rank) summed", () => {
    const fused = fuseOptions(hits, 'rrf', undefined, false);
    // v2: visual rank 2, audio rank 1; v1@0: visual rank 1, audio rank 2: a tie, broken by video id.
    expect(fused[0]?.score).toBeCloseTo(1 / (RRF_K + 1) + 1 / (RRF_K + 2));
    expect(fused.map((h) => h.video_id)).toEqual(['v1', 'v2', 'v1']);
  });

  it('weighted: weight x cosine, an unnamed option counting 0', () => {
    const fused = fuseOptions(hits, 'weighted', { visual: 0.2, audio: 0.8 }, false);
    expect(fused.map((h) => [h.video_id, h.start])).toEqual([
      ['v2', 3],
      ['v1', 0],
      ['v1', 12],
    ]);
    expect(fused[0]?.score).toBeCloseTo(0.2 * 0.4 + 0.8 * 0.45);
    expect(fuseOptions(hits, 'weighted', { visual: 1 }, false)[0]?.score).toBeCloseTo(0.5);
  });
});
