import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotations/annotation.js';
import { AnnotationStore } from '../../src/annotations/annotation-store.js';
import { StoreError } from '../../src/errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

const row = (videoId: string, start: number, text: string): Annotation => ({
  videoId,
  start,
  end: start + 2,
  definition: 'scene',
  fields: { mood: 'calm', n: start },
  text,
  source: 'pegasus',
});

describe('AnnotationStore', () => {
  it('reads back what it stored, fields and all, in a new store on the same folder', async () => {
    const dir = await tempDir();
    await new AnnotationStore(dir).append([row('a', 0, 'a café'), row('b', 4, 'deux')], [{ key: 'k1', videoId: 'a' }]);
    const fresh = new AnnotationStore(dir);
    expect(await fresh.all()).toEqual([row('a', 0, 'a café'), row('b', 4, 'deux')]);
    expect(await fresh.hasRequest('k1')).toBe(true);
    expect(await fresh.hasRequest('k2')).toBe(false);
  });

  it('removes one video, its rows and its requests, and deletes the file it replaced', async () => {
    const dir = await tempDir();
    const store = new AnnotationStore(dir);
    await store.append(
      [row('a', 0, 'one'), row('b', 2, 'two'), row('a', 6, 'three')],
      [
        { key: 'ka', videoId: 'a' },
        { key: 'kb', videoId: 'b' },
      ],
    );
    expect(await store.removeVideo('a')).toBe(2);
    const fresh = new AnnotationStore(dir);
    expect(await fresh.all()).toEqual([row('b', 2, 'two')]);
    expect(await fresh.hasRequest('ka')).toBe(false);
    expect(await fresh.hasRequest('kb')).toBe(true);
    const files = (await readdir(join(dir, 'annotations'))).filter((name) => name.endsWith('.arrow'));
    expect(files).toEqual((await fresh.manifest()).files.map((f) => f.name));
  });

  it('refuses a file whose bytes no longer match the checksum in its manifest', async () => {
    const dir = await tempDir();
    await new AnnotationStore(dir).append([row('a', 0, 'the whale')]);
    const [entry] = (await new AnnotationStore(dir).manifest()).files;
    const path = join(dir, 'annotations', entry?.name ?? '');
    const bytes = await readFile(path);
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    await expect(new AnnotationStore(dir).all()).rejects.toThrow(StoreError);
    await expect(new AnnotationStore(dir).all()).rejects.toThrow(/does not match its checksum/);
  });

  it('reports a damaged manifest instead of reading it as empty', async () => {
    const dir = await tempDir();
    await new AnnotationStore(dir).append([row('a', 0, 'x')]);
    await writeFile(join(dir, 'annotations', 'manifest.json'), '{"version": 1, "files": [');
    await expect(new AnnotationStore(dir).all()).rejects.toThrow(/manifest.json is damaged \(not valid JSON\)/);
  });
});
