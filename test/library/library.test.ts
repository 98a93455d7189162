import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { IndexSidecar } from '../../src/index/index.js';
import { type OpenLibraryOptions, openLibrary } from '../../src/library/index.js';
import { INDEX_DIR } from '../../src/library/index-sync.js';
import type { ClipHit, VideoHit } from '../../src/query/index.js';
import { cosine } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIM = 32;
const MODEL = { model: 'custom-32' };

function exactOrder(segments: readonly JsonlSegment[], query: readonly number[]): string[] {
  return [...segments]
    .sort((x, y) => cosine(y.embedding, query) - cosine(x.embedding, query))
    .map((segment) => `${segment.video_id}@${segment.start_sec}`);
}

const key = (hit: ClipHit): string => `${hit.video_id}@${hit.start}`;

function libraryWith(segments: readonly JsonlSegment[], options: OpenLibraryOptions = {}) {
  return tempLibrary({ ...options, segments, importOptions: MODEL });
}

const corpus = [...clipSegments('a', 5, DIM, 1), ...clipSegments('b', 4, DIM, 2), ...clipSegments('c', 3, DIM, 3)];

describe.each(['exact', 'hnsw'] as const)('a library with the %s index', (kind) => {
  it('ranks clips in exact-cosine order with their timestamps', async () => {
    const { lib } = await libraryWith(corpus, { index: { kind } });
    const query = testVector(DIM, 4242);
    const response = await lib.search({ vector: query, pageLimit: 50 });
    expect(response.data.map(key)).toEqual(exactOrder(corpus, query));
    expect(response.data[0]?.score).toBeCloseTo(
      cosine(
        corpus.find((s) => `${s.video_id}@${s.start_sec}` === key(response.data[0] as ClipHit))?.embedding ?? [],
        query,
      ),
      5,
    );
    expect(response.data.map((hit) => hit.rank)).toEqual(corpus.map((_, i) => i + 1));
    expect(response.search_pool).toEqual({ total_count: 3, total_duration: 30 + 24 + 18, index_id: lib.manifest.id });
    expect((await lib.stats()).index.kind).toBe(kind);
  });

  it('removes a video from results at once and for good', async () => {
    const { lib, dir } = await libraryWith(corpus, { index: { kind } });
    const query = corpus[0]?.embedding ?? [];
    expect((await lib.removeVideo('a')).segments).toBe(5);
    const after = await lib.search({ vector: query, pageLimit: 50 });
    expect(after.data.map(key)).toEqual(
      exactOrder(
        corpus.filter((s) => s.video_id !== 'a'),
        query,
      ),
    );
    const reopened = await openLibrary(dir);
    expect((await reopened.search({ vector: query, pageLimit: 50 })).data.some((hit) => hit.video_id === 'a')).toBe(
      false,
    );
    expect((await reopened.stats()).segments).toBe(7);
  });
});

describe('the HNSW index on disk', () => {
  it('is extended with new segment files instead of rebuilt, a small import without rewriting the graph', async () => {
    const warnings: string[] = [];
    const { lib, dir, work } = await libraryWith(corpus.slice(0, 6), {
      index: { kind: 'hnsw' },
      onWarning: (w) => warnings.push(w),
    });
    const sidecarPath = join(dir, INDEX_DIR, 'sidecar.json');
    const before = JSON.parse(await readFile(sidecarPath, 'utf8')) as IndexSidecar;
    const graph = await readFile(join(dir, INDEX_DIR, before.graph));
    await lib.importSegments(await writeJsonl(work, 'more.jsonl', corpus.slice(6)), MODEL);
    const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as IndexSidecar;
    expect(sidecar).toMatchObject({ graph: before.graph, files: before.files, count: 6, labelsBelow: 6 });
    expect(await readFile(join(dir, INDEX_DIR, before.graph))).toEqual(graph);
    expect(warnings).toEqual([]);
    const query = testVector(DIM, 7);
    expect((await lib.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(corpus, query));
    // Another process inserts the new rows as it reads the graph, and leaves the saved pair as it is.
    const reopened = await openLibrary(dir);
    expect((await reopened.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(corpus, query));
    expect(JSON.parse(await readFile(sidecarPath, 'utf8'))).toEqual(sidecar);
    expect(await reopened.doctor()).toMatchObject({ healthy: true, problems: [] });
  });

  it('catches up when a crash left it behind the store', async () => {
    const { lib, dir, work } = await libraryWith(corpus.slice(0, 6), { index: { kind: 'hnsw' } });
    await cp(join(dir, INDEX_DIR), join(work, 'old-index'), { recursive: true });
    await lib.importSegments(await writeJsonl(work, 'more.jsonl', corpus.slice(6)), MODEL);
    await rm(join(dir, INDEX_DIR), { recursive: true });
    await cp(join(work, 'old-index'), join(dir, INDEX_DIR), { recursive: true });
    const reopened = await openLibrary(dir);
    const query = testVector(DIM, 8);
    expect((await reopened.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(corpus, query));
  });

  it('is rebuilt from the store when its sidecar says another dimension', async () => {
    const warnings: string[] = [];
    const { dir } = await libraryWith(corpus, { index: { kind: 'hnsw' } });
    const sidecarPath = join(dir, INDEX_DIR, 'sidecar.json');
    const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as Record<string, unknown>;
    await writeFile(sidecarPath, JSON.stringify({ ...sidecar, dimension: 16 }));
    const reopened = await openLibrary(dir, { onWarning: (w) => warnings.push(w) });
    // Opening does not read the graph; the first search does, and rebuilds it.
    expect(warnings).toEqual([]);
    const query = testVector(DIM, 9);
    expect((await reopened.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(corpus, query));
    expect(warnings.join('\n')).toMatch(/rebuilding the index from the store/);
    expect(JSON.parse(await readFile(sidecarPath, 'utf8'))).toMatchObject({ dimension: DIM });
  });

  it('is not saved by a reader over the graph of a newer generation', async () => {
    const { dir, work } = await libraryWith(corpus.slice(0, 6), { index: { kind: 'hnsw' } });
    await rm(join(dir, INDEX_DIR), { recursive: true });
    // The reader opens generation G with no saved graph, so its first search rebuilds one for G's files.
    const reader = await openLibrary(dir);
    const writer = await openLibrary(dir);
    await writer.importSegments(await writeJsonl(work, 'more.jsonl', corpus.slice(6)), MODEL);
    const sidecarPath = join(dir, INDEX_DIR, 'sidecar.json');
    const newer = await readFile(sidecarPath, 'utf8');
    // The writer's: the graph it built for the first six, the import's six recorded for the next read to insert.
    expect(JSON.parse(newer) as IndexSidecar).toMatchObject({ count: 6, labelsBelow: 6 });
    const query = testVector(DIM, 10);
    expect((await reader.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(
      exactOrder(corpus.slice(0, 6), query),
    );
    expect(await readFile(sidecarPath, 'utf8')).toBe(newer);
    const graphs = (await readdir(join(dir, INDEX_DIR))).filter((name) => name.startsWith('hnsw-'));
    expect(graphs).toEqual([(JSON.parse(newer) as { graph: string }).graph]);
  });

  it('is rebuilt when its graph file is gone', async () => {
    const warnings: string[] = [];
    const { dir } = await libraryWith(corpus, { index: { kind: 'hnsw' } });
    for (const name of await readdir(join(dir, INDEX_DIR)))
      if (name.endsWith('.bin')) await rm(join(dir, INDEX_DIR, name));
    const reopened = await openLibrary(dir, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    await reopened.search({ vector: testVector(DIM, 3), pageLimit: 5 });
    expect(warnings).toHaveLength(1);
    expect((await reopened.stats()).index.count).toBe(corpus.length);
  });
});

describe('search features', () => {
  const mixed = [
    ...clipSegments('a', 3, DIM, 1, { embedding_option: 'visual' }),
    ...clipSegments('a', 3, DIM, 11, { embedding_option: 'audio' }),
    ...clipSegments('b', 3, DIM, 2, { embedding_option: 'visual' }),
  ];

  it('filters by embedding option', async () => {
    const { lib } = await libraryWith(mixed);
    const audio = await lib.search({ vector: testVector(DIM, 5), searchOptions: ['audio'], pageLimit: 50 });
    expect(audio.data).toHaveLength(3);
    expect(audio.data.every((hit) => hit.embedding_option === 'audio')).toBe(true);
    await expect(lib.search({ vector: testVector(DIM, 5), searchOptions: ['transcription'] })).rejects.toThrow(
      /has no transcription segments/,
    );
  });

  it('groups by video, ranked by the best clip, with the clips under each', async () => {
    const { lib } = await libraryWith(corpus);
    const query = testVector(DIM, 77);
    const response = await lib.search({ vector: query, groupBy: 'video' });
    const hits = response.data as VideoHit[];
    const videoOrder = [...new Set(exactOrder(corpus, query).map((k) => k.split('@')[0]))];
    expect(hits.map((hit) => hit.video_id)).toEqual(videoOrder);
    for (const hit of hits) {
      expect(hit.clips.every((clip) => clip.video_id === hit.video_id)).toBe(true);
      expect(hit.score).toBe(hit.clips[0]?.score);
      expect(hit.clips.map((clip) => clip.score)).toEqual(
        [...hit.clips.map((clip) => clip.score)].sort((x, y) => y - x),
      );
    }
    expect(response.page_info.total_results).toBe(3);
  });

  it('drops hits under --min-score and limits the page', async () => {
    const { lib } = await libraryWith(corpus);
    const query = testVector(DIM, 78);
    const all = await lib.search({ vector: query, pageLimit: 50 });
    const threshold = all.data[3]?.score ?? 0;
    const some = await lib.search({ vector: query, pageLimit: 50, minScore: threshold });
    expect(some.data).toHaveLength(4);
    expect((await lib.search({ vector: query, pageLimit: 2 })).data.map(key)).toEqual(all.data.slice(0, 2).map(key));
  });

  it('searches like a stored segment, without returning that segment', async () => {
    const { lib } = await libraryWith(corpus);
    const response = await lib.search({ like: 'b@7', pageLimit: 50 });
    const source = corpus.find((s) => s.video_id === 'b' && s.start_sec === 6) as JsonlSegment;
    expect(response.data.map(key)).toEqual(exactOrder(corpus, source.embedding).filter((k) => k !== 'b@6'));
    await expect(lib.search({ like: 'zzz' })).rejects.toThrow(/`like`: no video "zzz"/);
    await expect(lib.search({ like: 'b@99' })).rejects.toThrow(/`like`: b is .* past its end/);
  });

  it('answers a cached text query offline and says what is missing otherwise', async () => {
    const { lib } = await libraryWith(corpus);
    const embedding = testVector(DIM, 4242);
    await lib.cacheQuery({ modality: 'text', text: 'a bird eating' }, embedding);
    const cached = await lib.search({ text: 'a bird eating', offline: true, pageLimit: 50 });
    expect(cached.data.map(key)).toEqual(exactOrder(corpus, embedding));
    await expect(lib.search({ text: 'a cat', offline: true })).rejects.toThrow(
      /not in the query cache and `offline` forbids/,
    );
    await expect(lib.search({ text: 'a cat' })).rejects.toThrow(/needs the TwelveLabs API: set TWELVELABS_API_KEY/);
  });

  it('checks the query vector', async () => {
    const { lib } = await libraryWith(corpus);
    await expect(lib.search({ vector: testVector(DIM + 1, 1) })).rejects.toThrow(
      /33 dimensions but the library holds 32-d/,
    );
    await expect(lib.search({ vector: new Array<number>(DIM).fill(0) })).rejects.toThrow(/zero vector/);
    await expect(lib.search({})).rejects.toThrow(InputError);
  });

  it('leaves the library unchanged when an import fails', async () => {
    const { lib, dir, work } = await libraryWith(corpus);
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8');
    const bad = await writeJsonl(work, 'bad.jsonl', [
      ...clipSegments('z', 2, DIM, 9),
      { video_id: 'z', start_sec: 0, end_sec: 1, embedding: [1, 2] },
    ]);
    await expect(lib.importSegments(bad, MODEL)).rejects.toThrow(/bad\.jsonl:3: the embedding has 2 dimensions/);
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(await readdir(join(dir, 'segments'))).toHaveLength(1);
  });
});
