import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type IndexSidecar, SIDECAR_FILE } from '../../src/index/index.js';
import { MAX_JSON_DEPTH } from '../../src/json-limits.js';
import { type OpenLibraryOptions, openLibrary } from '../../src/library/index.js';
import { INDEX_DIR } from '../../src/library/index-sync.js';
import type { ClipHit } from '../../src/query/index.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIM = 16;
const MODEL = { model: 'custom-16' };

/** Two import files: `b` and `c` in the first, `a` (visual and audio) in the second, so each lands in its own segment file. */
const FIRST: JsonlSegment[] = [
  ...clipSegments('b', 4, DIM, 2, { source: '/media/bee.mp4', metadata: { collection: 'city', rating: 2 } }),
  ...clipSegments('c', 3, DIM, 3, { source: 'https://example.com/v/sea.webm?x=1', metadata: { collection: 'nature' } }),
];
const SECOND: JsonlSegment[] = [
  ...clipSegments('a', 5, DIM, 1, { source: '/media/ant.mp4', metadata: { collection: 'city', draft: true } }),
  ...clipSegments('a', 2, DIM, 9, {
    source: '/media/ant.mp4',
    embedding_option: 'audio',
    metadata: { collection: 'city', draft: true },
  }),
];
const ALL = [...FIRST, ...SECOND];

async function libraryWith(options: OpenLibraryOptions = {}) {
  const { lib, dir, work } = await tempLibrary({
    ...options,
    segments: FIRST,
    file: 'first.jsonl',
    importOptions: MODEL,
  });
  await lib.importSegments(await writeJsonl(work, 'second.jsonl', SECOND), MODEL);
  return { lib, dir };
}

const keys = (hits: readonly ClipHit[]): string[] => hits.map((hit) => hitKey(hit));
const manifestBytes = (dir: string): Promise<Buffer> => readFile(join(dir, 'manifest.json'));

describe('listVideos and getVideo', () => {
  it('list every video with its source, segments, duration, options and metadata, by id', async () => {
    const { lib } = await libraryWith();
    const videos = await lib.listVideos();
    expect(videos.map((video) => video.video_id)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = videos;
    expect(a).toMatchObject({
      source: '/media/ant.mp4',
      filename: 'ant.mp4',
      segments: 7,
      duration: 30,
      embedding_options: ['audio', 'visual'],
      embedding_scopes: ['clip'],
      metadata: { collection: 'city', draft: true },
    });
    expect(b).toMatchObject({
      filename: 'bee.mp4',
      segments: 4,
      duration: 24,
      embedding_options: ['visual'],
      metadata: { collection: 'city', rating: 2 },
    });
    expect(c).toMatchObject({ filename: 'sea.webm', segments: 3, duration: 18, metadata: { collection: 'nature' } });
    // Each came with an import, whose time is recorded.
    for (const video of videos) expect(Number.isNaN(Date.parse(video.created_at ?? ''))).toBe(false);
  });

  it('give one video its segments by option and start, without vectors unless asked', async () => {
    const { lib } = await libraryWith();
    const video = await lib.getVideo('a');
    expect(video.segments.map((s) => `${s.embedding_option}@${s.start}-${s.end}/${s.embedding_scope}`)).toEqual([
      'audio@0-6/clip',
      'audio@6-12/clip',
      ...[0, 6, 12, 18, 24].map((start) => `visual@${start}-${start + 6}/clip`),
    ]);
    expect(video.segments.every((s) => s.vector === undefined)).toBe(true);
    expect(new Set(video.segments.map((s) => s.label)).size).toBe(7);
    const withVectors = await lib.getVideo('a', { vectors: true });
    const first = withVectors.segments.find((s) => s.embedding_option === 'visual' && s.start === 0);
    const stored = first?.vector ?? [];
    const given = testVector(DIM, 1000);
    const norm = Math.hypot(...given);
    expect(stored).toHaveLength(DIM);
    stored.forEach((value, i) => expect(value).toBeCloseTo((given[i] as number) / norm, 5));
  });

  it('refuse an unknown id with a way to list the ids', async () => {
    const { lib } = await libraryWith();
    await expect(lib.getVideo('nope')).rejects.toThrow(InputError);
    await expect(lib.getVideo('nope')).rejects.toThrow(/no video "nope".*vsearch videos/);
  });
});

describe.each(['exact', 'hnsw'] as const)('updateVideoMetadata with the %s index', (kind) => {
  it('merges the patch so a filter on it finds the video at once, as an exact scan does, keeping labels and the graph', async () => {
    const warnings: string[] = [];
    const { lib, dir } = await libraryWith({ index: { kind }, onWarning: (message) => warnings.push(message) });
    const before = await lib.getVideo('b');
    const files = lib.manifest.segmentFiles.map((entry) => entry.name);
    const updated = await lib.updateVideoMetadata('b', { topic: 'bees', rating: null });
    expect(updated.metadata).toEqual({ collection: 'city', topic: 'bees' });
    expect(updated.segments.map((s) => s.label)).toEqual(before.segments.map((s) => s.label));
    // Only the file holding b was rewritten; a's file is listed as it was.
    const now = lib.manifest.segmentFiles.map((entry) => entry.name);
    expect(now).toContain(files[1]);
    expect(now).not.toContain(files[0]);

    const query = testVector(DIM, 4242);
    const patched = ALL.map((s) =>
      s.video_id === 'b' ? { ...s, metadata: { collection: 'city', topic: 'bees' } } : s,
    );
    const topicOf = (s: JsonlSegment): unknown => (s['metadata'] as Record<string, unknown>)['topic'];
    const found = await lib.search({ vector: query, filter: { topic: 'bees' }, pageLimit: 50 });
    expect(found.data.length).toBe(4);
    expect(keys(found.data)).toEqual(
      exactClips(patched, [query], { allow: (s) => topicOf(s) === 'bees' }).map((hit) => hit.key),
    );
    // The null deleted rating: a filter on it no longer finds b.
    expect((await lib.search({ vector: query, filter: { rating: 2 }, pageLimit: 50 })).data).toEqual([]);
    expect(keys((await lib.search({ vector: query, pageLimit: 50 })).data)).toEqual(
      exactClips(patched, [query]).map((hit) => hit.key),
    );

    // Another process sees the same, with no rebuild of the index.
    const reopened = await openLibrary(dir, { onWarning: (message) => warnings.push(message) });
    expect((await reopened.listVideos()).find((video) => video.video_id === 'b')?.metadata).toEqual({
      collection: 'city',
      topic: 'bees',
    });
    expect(keys((await reopened.search({ vector: query, filter: { topic: 'bees' }, pageLimit: 50 })).data)).toEqual(
      keys(found.data),
    );
    expect((await reopened.stats()).index.kind).toBe(kind);
    expect(warnings).toEqual([]);
  });

  it('leaves a reader opened before the update answering from the generation it holds', async () => {
    const { lib, dir } = await libraryWith({ index: { kind } });
    const reader = await openLibrary(dir);
    const query = testVector(DIM, 77);
    const earlier = await reader.search({ vector: query, filter: { collection: 'nature' }, pageLimit: 50 });
    expect(earlier.data.length).toBe(3);
    await lib.updateVideoMetadata('c', { collection: 'ocean' });
    const later = await reader.search({ vector: query, filter: { collection: 'nature' }, pageLimit: 50 });
    expect(keys(later.data)).toEqual(keys(earlier.data));
    expect(later.data.map((hit) => hit.score)).toEqual(earlier.data.map((hit) => hit.score));
    expect((await reader.getVideo('c')).metadata).toEqual({ collection: 'nature' });
    expect((await lib.search({ vector: query, filter: { collection: 'nature' }, pageLimit: 50 })).data).toEqual([]);
    expect((await lib.search({ vector: query, filter: { collection: 'ocean' }, pageLimit: 50 })).data.length).toBe(3);
  });
});

describe('updateVideoMetadata on an HNSW library opened afresh (vsearch meta)', () => {
  it('leaves the graph file as it is, neither read nor rewritten, and doctor finds the library healthy', async () => {
    const { lib: writer, dir } = await libraryWith({ index: { kind: 'hnsw' } });
    await writer.close();
    const sidecarPath = join(dir, INDEX_DIR, SIDECAR_FILE);
    const before = JSON.parse(await readFile(sidecarPath, 'utf8')) as IndexSidecar;
    const graph = join(dir, INDEX_DIR, before.graph);
    const bytes = await readFile(graph);
    const { mtimeMs } = await stat(graph);

    const warnings: string[] = [];
    const lib = await openLibrary(dir, { onWarning: (message) => warnings.push(message) });
    await lib.updateVideoMetadata('b', { topic: 'bees' });
    const after = JSON.parse(await readFile(sidecarPath, 'utf8')) as IndexSidecar;
    expect(after.graph).toBe(before.graph);
    // The second import waits in the sidecar to be inserted on read; the rewritten first file is covered under its new name.
    const names = lib.manifest.segmentFiles.map((entry) => entry.name);
    expect(after.files.every((name) => names.includes(name))).toBe(true);
    expect(after.files).toHaveLength(before.files.length);
    expect(after.files).not.toEqual(before.files);
    expect(await readFile(graph)).toEqual(bytes);
    expect((await stat(graph)).mtimeMs).toBe(mtimeMs);

    // The graph, read at the first search, answers the patched filter; doctor checks graph and facts.
    const query = testVector(DIM, 4242);
    const found = await lib.search({ vector: query, filter: { topic: 'bees' }, pageLimit: 50 });
    expect(keys(found.data)).toEqual(
      exactClips(ALL, [query], { allow: (segment) => segment.video_id === 'b' }).map((hit) => hit.key),
    );
    expect(await lib.doctor()).toMatchObject({ healthy: true, problems: [], checked: { index: 'hnsw', graph: true } });
    expect(warnings).toEqual([]);
    await lib.close();
  });
});

describe('updateVideoMetadata refuses', () => {
  const deep = (levels: number): unknown => (levels === 0 ? 1 : { x: deep(levels - 1) });
  const cases: [string, string, unknown, RegExp][] = [
    ['an unknown id', 'nope', { topic: 'x' }, /no video "nope".*vsearch videos/],
    ['an array', 'a', ['x'], /metadata patch must be a JSON object.*an array/],
    ['null', 'a', null, /metadata patch must be a JSON object.*null/],
    ['a string', 'a', 'x', /metadata patch must be a JSON object.*string/],
    ['nesting past the limit', 'a', { topic: deep(MAX_JSON_DEPTH + 1) }, /metadata patch nests deeper than 32/],
    ['a patch past 64 KiB', 'a', { big: 'x'.repeat(70_000) }, /metadata patch is \d+ bytes.*64 KiB/],
  ];
  it.each(cases)('%s with an InputError, writing nothing', async (_case, id, patch, message) => {
    const { lib, dir } = await libraryWith();
    const bytes = await manifestBytes(dir);
    const error = await lib.updateVideoMetadata(id, patch as Record<string, never>).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect(await manifestBytes(dir)).toEqual(bytes);
    expect((await lib.listVideos()).map((video) => [video.video_id, video.segments])).toEqual([
      ['a', 7],
      ['b', 4],
      ['c', 3],
    ]);
  });

  it('a patch that would grow the metadata past 64 KiB, writing nothing', async () => {
    const { lib, dir } = await libraryWith();
    await lib.updateVideoMetadata('a', { big: 'x'.repeat(40_000) });
    const bytes = await manifestBytes(dir);
    await expect(lib.updateVideoMetadata('a', { more: 'y'.repeat(30_000) })).rejects.toThrow(
      /metadata of video "a" after the patch is \d+ bytes.*64 KiB/,
    );
    expect(await manifestBytes(dir)).toEqual(bytes);
    expect(Object.keys((await lib.getVideo('a')).metadata).sort()).toEqual(['big', 'collection', 'draft']);
  });

  it('a patch that changes nothing writes nothing', async () => {
    const { lib, dir } = await libraryWith();
    const bytes = await manifestBytes(dir);
    expect((await lib.updateVideoMetadata('c', { collection: 'nature', gone: null })).metadata).toEqual({
      collection: 'nature',
    });
    expect(await manifestBytes(dir)).toEqual(bytes);
  });
});
