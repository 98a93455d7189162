import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { openLibrary } from '../../src/library/index.js';
import { clipSegments, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();

async function library(): Promise<{ dir: string; lib: Awaited<ReturnType<typeof openLibrary>>; notes: string }> {
  const { lib, work: dir } = await tempLibrary({
    segments: [...clipSegments('a', 3, 8, 1), ...clipSegments('b', 3, 8, 2)],
    importOptions: { model: 'custom-8' },
  });
  const notes = await writeJsonl(dir, 'notes.jsonl', [
    { video_id: 'a', start: 0, end: 3, text: 'spinach can', fields: { speaker: 'popeye' } },
    { video_id: 'b', start_sec: 6, end_sec: 8, text: 'the whale island', definition: 'line' },
  ]);
  return { dir, lib, notes };
}

describe('annotations in the library', () => {
  it('imports a JSONL file once; rm removes a video with its annotations, and a reimport brings back only those', async () => {
    const { lib, notes } = await library();
    expect(await lib.importAnnotations(notes)).toEqual({ annotations: 2, files: [notes] });
    expect(await lib.importAnnotations(notes)).toEqual({ annotations: 0, files: [] });
    expect((await lib.getVideo('b')).annotations).toEqual([
      { video_id: 'b', start: 6, end: 8, definition: 'line', fields: {}, text: 'the whale island', source: 'import' },
    ]);
    expect(await lib.removeVideo('a')).toEqual({ segments: 3, annotations: 1 });
    expect((await lib.annotations()).map((a) => a.videoId)).toEqual(['b']);
    await expect(lib.importAnnotations(notes)).rejects.toThrow(/notes\.jsonl:1: no video "a"/);
    expect((await lib.annotations()).length).toBe(1);
    await lib.close();
  });

  it('checks every line before storing any', async () => {
    const { dir, lib } = await library();
    const bad = await writeJsonl(dir, 'bad.jsonl', [
      { video_id: 'a', start: 0, end: 1, text: 'fine' },
      { video_id: 'b', start: 0, end: 1, text: '' },
    ]);
    await expect(lib.importAnnotations(bad)).rejects.toThrow(InputError);
    await expect(lib.importAnnotations(bad)).rejects.toThrow(/bad\.jsonl:2: "text" must be a non-empty string/);
    expect(await lib.annotations()).toEqual([]);
    await lib.close();
  });
});
