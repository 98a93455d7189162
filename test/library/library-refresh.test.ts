import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import type { QueryEmbedder } from '../../src/query/index.js';
import { exactClips } from '../helpers/exact-search.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { closedLibraryOfOneVideo, createTempLibrary } from '../helpers/temp-library.js';

const tempDir = useTempDirs();
const DIM = 16;
const MODEL = { model: 'custom-16' };

/** An embedder whose answers wait until `release` is called: a search held in flight. */
function heldEmbedder(vector: Float32Array): { embedder: QueryEmbedder; started: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  let started = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const asked = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    embedder: {
      async embed() {
        started();
        await gate;
        return vector;
      },
    },
    started: asked,
    release,
  };
}

describe('Library.refresh after writes made through another Library on its folder', () => {
  it('shows them to the next search, while a search started before the write finishes on the old snapshot', async () => {
    const dir = await tempDir();
    const libDir = await closedLibraryOfOneVideo(dir, 4, DIM);
    const held = heldEmbedder(Float32Array.from(testVector(DIM, 7)));
    const reader = await openLibrary(libDir, { embedder: held.embedder });
    const writer = await openLibrary(libDir);
    try {
      const before = await reader.snapshot();
      // Takes its snapshot, then waits in the embedder until the write is done.
      const running = reader.search({ text: 'held in flight' });
      await held.started;
      await writer.importSegments(await writeJsonl(dir, 'b.jsonl', clipSegments('b.mp4', 1, DIM, 3)), MODEL);
      // Until it refreshes, the reader answers from the generation it read.
      expect((await reader.search({ vector: testVector(DIM, 7) })).page_info.total_results).toBe(4);

      expect(await reader.refresh()).toBe(true);
      const next = await reader.search({ vector: testVector(DIM, 7) });
      expect(next.page_info.total_results).toBe(5);
      expect(reader.manifest.generation).toBe(writer.manifest.generation);
      held.release();
      expect((await running).page_info.total_results).toBe(4);
      // The snapshot taken before is the old generation's, unchanged; the library's current one is new.
      expect(before.manifest.counts.segments).toBe(4);
      expect(before.facts.size).toBe(4);
      expect((await reader.snapshot()).manifest.counts.segments).toBe(5);
      expect(await reader.refresh()).toBe(false);
    } finally {
      held.release();
      await writer.close();
      await reader.close();
    }
  });

  it('lets a refreshed library write on the newest generation, which the other then refreshes to', async () => {
    const dir = await tempDir();
    const libDir = await closedLibraryOfOneVideo(dir, 2, DIM);
    const first = await openLibrary(libDir);
    const second = await openLibrary(libDir);
    await first.importSegments(await writeJsonl(dir, 'b.jsonl', clipSegments('b.mp4', 2, DIM, 2)), MODEL);
    expect(await second.refresh()).toBe(true);
    await second.importSegments(await writeJsonl(dir, 'c.jsonl', clipSegments('c.mp4', 3, DIM, 3)), MODEL);
    const query = { vector: testVector(DIM, 5), groupBy: 'video' as const, minScore: -1 };
    expect(await first.refresh()).toBe(true);
    expect((await first.search(query)).data.map((hit) => hit.video_id).sort()).toEqual(['a.mp4', 'b.mp4', 'c.mp4']);
    expect((await second.search(query)).data.map((hit) => hit.video_id).sort()).toEqual(['a.mp4', 'b.mp4', 'c.mp4']);
    await first.close();
    await second.close();
  });

  it('catches its HNSW index up with the graph the writer saved, and answers exactly', async () => {
    // Past 2000 segments, so searches ask the graph rather than scanning exactly.
    const first = Array.from({ length: 210 }, (_, v) => clipSegments(`v${v}`, 10, DIM, v + 1)).flat();
    const extra = Array.from({ length: 3 }, (_, v) => clipSegments(`x${v}`, 10, DIM, v + 500)).flat();
    const dir = await tempDir();
    const made = await createTempLibrary({
      work: dir,
      index: { kind: 'hnsw', ef: 4000 },
      segments: first,
      file: 'first.jsonl',
      importOptions: MODEL,
    });
    const writer = made.lib;
    const warnings: string[] = [];
    const reader = await openLibrary(made.dir, { onWarning: (message) => warnings.push(message) });
    try {
      // The vector of x1's fifth clip, one of the segments the writer adds.
      const query = testVector(DIM, 501 * 1000 + 4);
      await writer.importSegments(await writeJsonl(dir, 'extra.jsonl', extra), MODEL);
      expect(await reader.refresh()).toBe(true);
      const found = await reader.search({ vector: query, pageLimit: 10 });
      const exact = exactClips([...first, ...extra], [query]).slice(0, 10);
      expect(found.data.map((hit) => `${hit.video_id}@${hit.start}`)).toEqual(
        exact.map((hit) => `${hit.video}@${hit.start}`),
      );
      expect(found.data[0]).toMatchObject({ video_id: 'x1', start: 24 });
      // The graph the writer saved was loaded: nothing was refused or rebuilt.
      expect(warnings).toEqual([]);
    } finally {
      await reader.close();
      await made.cleanup();
    }
  });
});
