import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotations/annotation.js';
import { InputError } from '../../src/errors.js';
import { AnnotationSet } from '../../src/lexical/annotation-set.js';
import { RRF_K } from '../../src/lexical/fusion.js';
import { type ModeSearchSource, modeSearch } from '../../src/lexical/mode-search.js';
import type { ClipHit, SearchRequest, SearchResponse } from '../../src/query/index.js';

const clip = (video: string, start: number, score: number): ClipHit => ({
  rank: 0,
  video_id: video,
  start,
  end: start + 6,
  score,
  confidence: 'low',
  embedding_option: 'visual',
  embedding_scope: 'clip',
  metadata: {},
});
const note = (video: string, start: number, end: number, text: string, fields = {}): Annotation => ({
  videoId: video,
  start,
  end,
  definition: 'subtitle',
  fields,
  text,
  source: 'subtitle',
});

function source(vector: ClipHit[], annotations: Annotation[], seen: SearchRequest[] = []): ModeSearchSource {
  return {
    async vectorSearch(request): Promise<SearchResponse> {
      seen.push(request);
      return {
        data: vector.slice(0, request.pageLimit ?? 10).map((h, i) => ({ ...h, rank: i + 1 })),
        page_info: { limit_per_page: request.pageLimit ?? 10, total_results: vector.length },
        search_pool: { total_count: 9, total_duration: 90, index_id: 'lib' },
      };
    },
    annotations: async () => new AnnotationSet(annotations),
    videos: async () =>
      [...new Set(vector.map((h) => h.video_id))].map((id) => ({
        video_id: id,
        source: id,
        filename: id,
        segments: 1,
        duration: 60,
        embedding_options: ['visual'],
        embedding_scopes: ['clip'],
        metadata: { kind: id === 'b' ? 'cartoon' : 'news' },
      })),
    indexId: 'lib',
    canEmbed: true,
  };
}

const vector = [clip('a', 0, 0.4), clip('b', 12, 0.35), clip('b', 30, 0.3)];
const annotations = [
  note('b', 31, 33, 'the whale island'),
  note('c', 0, 2, 'a whale of a time'),
  note('a', 1, 2, 'the news at noon', { lang: 'en' }),
];

describe('modeSearch', () => {
  it('hybrid by RRF: a lexical hit lifts the vector hit it overlaps; one overlapping none stands alone (ties by video id)', async () => {
    const res = await modeSearch(source(vector, annotations), { text: 'whale island' });
    expect(res.mode).toBe('hybrid');
    expect(res.data.map((h) => [h.video_id, h.start, h.matched_by])).toEqual([
      ['b', 30, 'both'],
      ['a', 0, 'vector'],
      ['b', 12, 'vector'],
      ['c', 0, 'text'],
    ]);
    expect(res.data[0]?.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1));
    expect(res.data[0]?.annotations?.map((a) => a.text)).toEqual(['the whale island']);
  });

  it('weighted hybrid when vector/text weights are given', async () => {
    const res = await modeSearch(source(vector, annotations), {
      text: 'whale island',
      weights: { vector: 1, text: 0 },
    });
    expect(res.data.slice(0, 2).map((h) => [h.video_id, h.start])).toEqual([
      ['a', 0],
      ['b', 12],
    ]);
  });

  it('vector mode passes the search through, adding the annotations each hit overlaps', async () => {
    const seen: SearchRequest[] = [];
    const res = await modeSearch(source(vector, annotations, seen), { text: 'whale', mode: 'vector', pageLimit: 2 });
    expect(seen[0]?.pageLimit).toBe(2);
    expect(res.data.map((h) => [h.video_id, h.annotations?.length])).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
  });

  it('filters reach annotation fields and video metadata alike', async () => {
    const byField = await modeSearch(source(vector, annotations), {
      text: 'news whale',
      mode: 'text',
      filter: { 'annotations.lang': 'en' },
    });
    expect(byField.data.map((h) => h.video_id)).toEqual(['a']);
    const byVideo = await modeSearch(source(vector, annotations), {
      text: 'whale',
      mode: 'text',
      filter: { kind: 'cartoon' },
    });
    expect(byVideo.data.map((h) => h.video_id)).toEqual(['b']);
  });

  it('defaults to text alone for a text query that cannot be embedded (no API, or offline)', async () => {
    const seen: SearchRequest[] = [];
    const offline = await modeSearch(source(vector, annotations, seen), { text: 'whale', offline: true });
    expect(offline.mode).toBe('text');
    const noApi = await modeSearch({ ...source(vector, annotations, seen), canEmbed: false }, { text: 'whale' });
    expect(noApi.mode).toBe('text');
    expect(seen).toEqual([]);
    expect(
      (await modeSearch({ ...source(vector, annotations, seen), canEmbed: false }, { text: 'whale', vector: [1, 0] }))
        .mode,
    ).toBe('hybrid');
  });

  it('refuses a text search without text, or with a non-text query', async () => {
    await expect(modeSearch(source(vector, annotations), { mode: 'text', vector: [1, 0] })).rejects.toThrow(InputError);
    await expect(modeSearch(source(vector, annotations), { text: 'x', mode: 'text', vector: [1, 0] })).rejects.toThrow(
      /reads only the query text/,
    );
  });
});

describe('modeSearch option checks', () => {
  it.each([
    [{ mode: 'fuzzy' }, /`mode` must be one of vector, text, hybrid, got "fuzzy"/],
    [{ fusion: 'mean' }, /`fusion` must be one of max, rrf, weighted, got "mean"/],
  ])('rejects %j naming the option, before any search', async (bad, message) => {
    const seen: SearchRequest[] = [];
    await expect(modeSearch(source(vector, annotations, seen), { text: 'whale', ...(bad as object) })).rejects.toThrow(
      message,
    );
    expect(seen).toEqual([]);
  });
});
