import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnnotationStore } from '../../src/annotations/annotation-store.js';
import { CurrentAnnotations } from '../../src/library/current-annotations.js';
import { openLibrary } from '../../src/library/index.js';
import { clipSegments, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function annotatedLibrary() {
  const dir = await tempDir();
  const lib = await openLibrary(join(dir, 'lib'), { create: true });
  await lib.importSegments(
    await writeJsonl(dir, 'segments.jsonl', [...clipSegments('a', 3, 8, 1), ...clipSegments('b', 3, 8, 2)]),
    { model: 'custom-8' },
  );
  await lib.importAnnotations(
    await writeJsonl(dir, 'notes.jsonl', [{ video_id: 'a', start: 0, end: 3, text: 'spinach can' }]),
  );
  return { dir, lib };
}

describe('the annotations searches share', () => {
  it('are one set with one lexical index for concurrent searches of a generation, and a new one after a write', async () => {
    const { lib } = await annotatedLibrary();
    const current = new CurrentAnnotations(new AnnotationStore(lib.dir));
    const [first, second] = await Promise.all([current.get(lib.manifest), current.get(lib.manifest)]);
    expect(second).toBe(first);
    expect(second?.lexical()).toBe(first?.lexical());
    // Another writer (another AnnotationStore, as another process has) adds one.
    await new AnnotationStore(lib.dir).append([
      { videoId: 'b', start: 3, end: 6, definition: 'general', fields: {}, text: 'the whale', source: 'import' },
    ]);
    const after = await current.get(lib.manifest);
    expect(after).not.toBe(first);
    expect(after.all.map((a) => a.text)).toEqual(['spinach can', 'the whale']);
    await lib.close();
  });

  it('are seen by the next search after an import: no stale set or index', async () => {
    const { dir, lib } = await annotatedLibrary();
    const before = await lib.query({ text: 'whale', mode: 'text' });
    expect(before.data).toEqual([]);
    await lib.importAnnotations(
      await writeJsonl(dir, 'more.jsonl', [{ video_id: 'b', start: 3, end: 6, text: 'the whale' }]),
    );
    const after = await lib.query({ text: 'whale', mode: 'text' });
    expect(after.data.map((hit) => [hit.video_id, hit.start, hit.end])).toEqual([['b', 3, 6]]);
    const vector = await lib.query({ vector: Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 : 0)), mode: 'vector' });
    const onB = vector.data.filter((hit) => hit.video_id === 'b' && hit.start < 6 && hit.end > 3);
    expect(onB.length).toBeGreaterThan(0);
    for (const hit of onB) expect(hit.annotations?.map((a) => a.text)).toContain('the whale');
    await lib.close();
  });
});
