import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIDECAR_FILE } from '../../src/index/index.js';
import { openLibrary } from '../../src/library/index.js';
import { INDEX_DIR } from '../../src/library/index-sync.js';
import type { ClipHit } from '../../src/query/index.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempDir = useTempDirs();
const tempLibrary = useTempLibraries();
const DIM = 16;
const MODEL = { model: 'custom-16' };
const WRITERS = 8;

const clipKey = (hit: ClipHit): string => hitKey(hit);

describe('writers of one library', () => {
  it('keeps every import of 8 libraries opened on one folder and importing at once, each exactly once', async () => {
    const work = await tempDir();
    const dir = join(work, 'lib');
    const corpus: JsonlSegment[] = [];
    const files: string[] = [];
    for (let i = 0; i < WRITERS; i++) {
      const segments = clipSegments(`v${i}`, 4, DIM, i + 1);
      corpus.push(...segments);
      files.push(await writeJsonl(work, `v${i}.jsonl`, segments));
    }
    // HNSW, so that each writer's index refresh has to take in the others' files too.
    const libs = await Promise.all(
      files.map(() => openLibrary(dir, { create: true, index: { kind: 'hnsw' }, lockTimeoutMs: 120_000 })),
    );
    const summaries = await Promise.all(libs.map((lib, i) => lib.importSegments(files[i] as string, MODEL)));
    expect(summaries.map((summary) => summary.segments)).toEqual(files.map(() => 4));
    await Promise.all(libs.map((lib) => lib.close()));

    const reopened = await openLibrary(dir);
    const stats = await reopened.stats();
    expect(stats.segments).toBe(4 * WRITERS);
    expect(stats.videos).toBe(WRITERS);
    expect(stats.index.count).toBe(4 * WRITERS);
    const query = testVector(DIM, 777);
    const answer = await reopened.search({ vector: query, pageLimit: 4 * WRITERS });
    expect(answer.data.map(clipKey)).toEqual(exactClips(corpus, [query]).map((hit) => hit.key));
  });

  it('imports a file once: the same content again is a no-op, reported; after its video is removed it imports again', async () => {
    const work = await tempDir();
    const file = await writeJsonl(work, 'a.jsonl', clipSegments('a', 3, DIM, 1));
    const copy = await writeJsonl(work, 'copy-of-a.jsonl', clipSegments('a', 3, DIM, 1));
    const other = await writeJsonl(work, 'b.jsonl', clipSegments('b', 2, DIM, 2));
    const lib = await openLibrary(join(work, 'lib'), { create: true });
    expect(await lib.importSegments(file, MODEL)).toMatchObject({ files: 1, segments: 3, skippedFiles: [] });
    expect(await lib.importSegments([copy, other, other], MODEL)).toMatchObject({
      files: 1,
      segments: 2,
      skippedFiles: [copy, other],
    });
    expect((await lib.stats()).segments).toBe(5);
    // A second library object (another process, a rerun) sees the record too.
    const rerun = await openLibrary(join(work, 'lib'));
    expect(await rerun.importSegments(file, MODEL)).toMatchObject({ files: 0, segments: 0, skippedFiles: [file] });
    await rerun.removeVideo('a');
    expect(await rerun.importSegments(file, MODEL)).toMatchObject({ files: 1, segments: 3 });
    expect((await rerun.stats()).segments).toBe(5);
  });

  it('leaves no library behind when the first import fails on a bad row', async () => {
    const work = await tempDir();
    const bad = await writeJsonl(work, 'bad.jsonl', [
      ...clipSegments('a', 2, DIM, 1),
      { video_id: 'a', start_sec: 5, end_sec: 1, embedding: testVector(DIM, 9) },
    ]);
    const dir = join(work, 'new-lib');
    const lib = await openLibrary(dir, { create: true });
    await expect(lib.importSegments(bad, MODEL)).rejects.toThrow(/bad\.jsonl:3: start_sec/);
    expect(existsSync(dir)).toBe(false);
  });

  it('answers readers that opened before a removal rewrote files, --like and grouped', async () => {
    const corpus = [...clipSegments('a', 3, DIM, 1), ...clipSegments('b', 3, DIM, 2)];
    // HNSW: the reader loads the saved graph and reads no segment file until it searches.
    const { lib: writer, dir } = await tempLibrary({
      index: { kind: 'hnsw' },
      segments: corpus,
      file: 'ab.jsonl',
      importOptions: MODEL,
    });
    const warnings: string[] = [];
    const reader = await openLibrary(dir, { onWarning: (message) => warnings.push(message) });
    await writer.removeVideo('a');
    const saved = await readFile(join(dir, INDEX_DIR, SIDECAR_FILE), 'utf8');
    // The reader still holds the old manifest, which names the file the removal replaced.
    const like = await reader.search({ like: 'b@0', pageLimit: 10 });
    expect(like.data.length).toBeGreaterThan(0);
    const grouped = await reader.search({ vector: testVector(DIM, 5), groupBy: 'video', pageLimit: 10 });
    expect(grouped.data.map((hit) => hit.video_id).sort()).toEqual(['a', 'b']);
    // It read the graph of its own generation (the one the removal's save deleted), neither
    // rebuilding one nor saving it over the writer's.
    expect(warnings).toEqual([]);
    expect(await readFile(join(dir, INDEX_DIR, SIDECAR_FILE), 'utf8')).toBe(saved);
    await reader.close();
  });
});
