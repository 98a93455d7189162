import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndexSidecar } from '../../src/index/index.js';
import { openLibrary } from '../../src/library/index.js';
import { INDEX_DIR, UNSAVED_CHANGE_LIMIT } from '../../src/library/index-sync.js';
import type { ClipHit } from '../../src/query/index.js';
import { SEGMENTS_DIR } from '../../src/store/segment-store.js';
import { cosine } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

// One-video writes on an HNSW library: the saved graph is neither read nor rewritten, only its
// sidecar records what changed (index-sync.ts recordSegmentChange); only the files holding the video are read.

const tempLibrary = useTempLibraries();
const DIM = 16;
const MODEL = { model: 'custom-16' };
const corpus = [...clipSegments('a', 6, DIM, 1), ...clipSegments('b', 5, DIM, 2), ...clipSegments('c', 4, DIM, 3)];

const key = (hit: ClipHit): string => `${hit.video_id}@${hit.start}`;

function exactOrder(segments: readonly JsonlSegment[], query: readonly number[]): string[] {
  return [...segments]
    .sort((x, y) => cosine(y.embedding, query) - cosine(x.embedding, query))
    .map((segment) => `${segment.video_id}@${segment.start_sec}`);
}

async function hnswLibrary(segmentFileRows?: number) {
  const made = await tempLibrary({
    index: { kind: 'hnsw' },
    segments: corpus,
    importOptions: MODEL,
    ...(segmentFileRows === undefined ? {} : { segmentFileRows }),
  });
  const sidecarPath = join(made.dir, INDEX_DIR, 'sidecar.json');
  const sidecar = async (): Promise<IndexSidecar> => JSON.parse(await readFile(sidecarPath, 'utf8')) as IndexSidecar;
  const before = await sidecar();
  const graphPath = join(made.dir, INDEX_DIR, before.graph);
  return { ...made, sidecar, before, graphPath, graph: await readFile(graphPath) };
}

/** Flips a byte in the middle of `path` (its checksum no longer matches); the returned function puts it back. */
async function damageFile(path: string): Promise<() => Promise<void>> {
  const bytes = await readFile(path);
  const damaged = Buffer.from(bytes);
  damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] as number) ^ 0xff;
  await writeFile(path, damaged);
  return () => writeFile(path, bytes);
}

describe('a one-video write on an HNSW library', () => {
  it('rm: the graph file stays as it is, its sidecar lists the removed labels, and searches here and in another process lack the video', async () => {
    const { lib, dir, sidecar, before, graphPath, graph } = await hnswLibrary();
    const removed = await lib.removeVideo('b');
    expect(removed.segments).toBe(5);
    const after = await sidecar();
    expect(after).toMatchObject({ graph: before.graph, count: corpus.length, labelsBelow: corpus.length });
    expect(after.unmarked).toEqual([6, 7, 8, 9, 10]);
    expect(await readFile(graphPath)).toEqual(graph);
    const rest = corpus.filter((segment) => segment.video_id !== 'b');
    const query = testVector(DIM, 31);
    expect((await lib.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(rest, query));
    const other = await openLibrary(dir);
    expect((await other.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(rest, query));
    expect(await other.doctor()).toMatchObject({ healthy: true, problems: [], checked: { graph: true } });
    await other.close();
  });

  it('a re-import of a stored video: the replaced rows are listed removed, the new ones inserted on read', async () => {
    const { lib, work, sidecar, before, graphPath, graph } = await hnswLibrary();
    const replacement = clipSegments('c', 4, DIM, 99);
    await lib.importSegments(await writeJsonl(work, 'c-again.jsonl', replacement), MODEL);
    const after = await sidecar();
    expect(after).toMatchObject({ graph: before.graph, labelsBelow: corpus.length });
    expect(after.unmarked).toEqual([11, 12, 13, 14]);
    expect(await readFile(graphPath)).toEqual(graph);
    const now = [...corpus.filter((segment) => segment.video_id !== 'c'), ...replacement];
    const query = testVector(DIM, 32);
    expect((await lib.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(now, query));
    expect(await lib.doctor()).toMatchObject({ healthy: true, problems: [] });
  });

  it('a change past UNSAVED_CHANGE_LIMIT is saved into the graph', async () => {
    const { lib, work, sidecar, before } = await hnswLibrary();
    const many = clipSegments('big', UNSAVED_CHANGE_LIMIT + 1, DIM, 7);
    await lib.importSegments(await writeJsonl(work, 'big.jsonl', many), MODEL);
    const after = await sidecar();
    expect(after.graph).not.toBe(before.graph);
    expect(after).toMatchObject({ count: corpus.length + many.length, labelsBelow: corpus.length + many.length });
    expect(after.files).toEqual(lib.manifest.segmentFiles.map((entry) => entry.name));
    expect(after.unmarked).toBeUndefined();
  });

  it('rm and meta read only the files holding the video (a damaged file elsewhere is not touched)', async () => {
    // Four rows per file (labels 0-3, 4-7, 8-11, 12-14): a in files 1-2, b in 2-3, c in 3-4.
    const { lib, dir } = await hnswLibrary(4);
    const names = lib.manifest.segmentFiles.map((entry) => entry.name);
    expect(names).toHaveLength(4);
    const restore = await damageFile(join(dir, SEGMENTS_DIR, names[0] as string));
    const reopened = await openLibrary(dir);
    expect((await reopened.updateVideoMetadata('c', { topic: 'x' })).metadata).toEqual({ topic: 'x' });
    expect((await reopened.removeVideo('c')).segments).toBe(4);
    // Files 1-2 untouched; file 3 rewritten without c's first clip; file 4 (only c) gone.
    expect(reopened.manifest.segmentFiles.map((entry) => entry.name).slice(0, 2)).toEqual(names.slice(0, 2));
    expect(reopened.manifest.segmentFiles).toHaveLength(3);
    // A write that must read the damaged file still refuses it.
    await expect(reopened.removeVideo('a')).rejects.toThrow(/sha256|checksum|damaged/i);
    await restore();
    expect(await reopened.doctor()).toMatchObject({ healthy: true, problems: [] });
    await reopened.close();
  });

  it('a re-import of a stored video reads only the files holding it, and replaces its rows there', async () => {
    const { lib, dir, work } = await hnswLibrary(4);
    const names = lib.manifest.segmentFiles.map((entry) => entry.name);
    const restore = await damageFile(join(dir, SEGMENTS_DIR, names[0] as string));
    const reopened = await openLibrary(dir);
    const replacement = clipSegments('c', 4, DIM, 99);
    await reopened.importSegments(await writeJsonl(work, 'c-again.jsonl', replacement), MODEL);
    expect(reopened.manifest.videos['c']?.segments).toBe(4);
    // Files 1-2 (a and b only) untouched: the damaged one was never read.
    expect(reopened.manifest.segmentFiles.map((entry) => entry.name).slice(0, 2)).toEqual(names.slice(0, 2));
    // A re-import of a video in the damaged file must read it, and refuses it.
    await expect(
      reopened.importSegments(await writeJsonl(work, 'a-again.jsonl', clipSegments('a', 6, DIM, 98)), MODEL),
    ).rejects.toThrow(/sha256|checksum|damaged/i);
    await restore();
    const now = [...corpus.filter((segment) => segment.video_id !== 'c'), ...replacement];
    const query = testVector(DIM, 33);
    expect((await reopened.search({ vector: query, pageLimit: 50 })).data.map(key)).toEqual(exactOrder(now, query));
    expect(await reopened.doctor()).toMatchObject({ healthy: true, problems: [] });
    await reopened.close();
  });
});
