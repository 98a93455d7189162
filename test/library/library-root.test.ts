import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexNameTakenError, InputError, UnknownIndexError } from '../../src/errors.js';
import { LibraryRoot, openLibrary } from '../../src/library/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const MODELS = [{ model_name: 'marengo2.7', model_options: ['visual', 'audio'] }];

describe('LibraryRoot: the libraries of a folder as indexes', () => {
  it('creates an empty library with its index.json, lists it, renames and removes it', async () => {
    const dir = await tempDir();
    const root = await LibraryRoot.open(dir);
    const made = await root.create({ name: 'My clips!', models: MODELS, addons: ['thumbnail'] });
    expect(made).toMatchObject({
      videoCount: 0,
      totalDuration: 0,
      model: 'Marengo-retrieval-2.7',
      info: { index_name: 'My clips!', models: MODELS, addons: ['thumbnail'] },
    });
    // A real library on disk (its id stable across opens), with no staging folder left behind.
    expect((await readdir(dir)).sort()).toEqual(['My-clips']);
    const lib = await openLibrary(made.dir);
    expect(lib.manifest.id).toBe(made.id);
    await lib.close();
    expect(JSON.parse(await readFile(join(made.dir, 'index.json'), 'utf8'))).toMatchObject({
      format: 'vsearch-index/1',
      index_name: 'My clips!',
    });

    await expect(root.create({ name: 'My clips!', models: MODELS })).rejects.toBeInstanceOf(IndexNameTakenError);
    await expect(
      root.create({ name: 'other', models: [{ model_name: 'gpt', model_options: ['visual'] }] }),
    ).rejects.toBeInstanceOf(InputError);
    expect(await readdir(dir)).toEqual(['My-clips']);

    await root.rename(made.id, 'Renamed');
    expect((await root.find(made.id)).info.index_name).toBe('Renamed');
    const second = await root.create({ name: 'My clips!', models: MODELS });
    expect(second.dir).toBe(join(dir, 'My-clips-2'));
    await expect(root.rename(second.id, 'Renamed')).rejects.toBeInstanceOf(IndexNameTakenError);

    await root.remove(made.id);
    await expect(root.find(made.id)).rejects.toBeInstanceOf(UnknownIndexError);
    expect(await readdir(dir)).toEqual(['My-clips-2']);
  });

  it('leaves out a library whose index.json is damaged, with a warning naming it', async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const root = await LibraryRoot.open(dir, { onWarning: (message) => warnings.push(message) });
    const plain = await root.create({ name: 'plain', models: MODELS });
    await writeFile(join(plain.dir, 'index.json'), '{"format": "vsearch-index/1", "index_name": 3}');
    const good = await root.create({ name: 'good', models: MODELS });
    expect((await root.indexes()).map((index) => index.id)).toEqual([good.id]);
    expect(warnings.join('\n')).toMatch(/plain.*index_name is missing or of the wrong type/s);
    await writeFile(join(plain.dir, 'index.json'), 'not json');
    await root.indexes();
    expect(warnings.at(-1)).toMatch(/is not valid JSON/);
  });

  it('two roots on one folder creating one name at once make one index; the other is told the name is taken', async () => {
    const dir = await tempDir();
    const [a, b] = await Promise.all([LibraryRoot.open(dir), LibraryRoot.open(dir)]);
    const outcomes = await Promise.allSettled(
      [a, b, a, b].map((root) => root.create({ name: 'same', models: MODELS })),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((entry) => entry.status === 'rejected'))
      expect(outcome.reason).toBeInstanceOf(IndexNameTakenError);
    expect((await a.indexes()).map((index) => index.info.index_name)).toEqual(['same']);
    expect(await readdir(dir)).toEqual(['same']);

    // A rename racing a create to the same new name: one of them wins.
    const other = await a.create({ name: 'other', models: MODELS });
    const raced = await Promise.allSettled([a.rename(other.id, 'taken'), b.create({ name: 'taken', models: MODELS })]);
    expect(raced.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect((await b.indexes()).filter((index) => index.info.index_name === 'taken')).toHaveLength(1);
  });
});
