import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import type { CliResult } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { createTempLibrary, type TempLibrary } from '../helpers/temp-library.js';
import { libraryUrl, useTestDatabase } from './pg-server.js';

const PASSWORD = 'secret-pw';
const DIMENSION = 16;
const PROCESS_TIMEOUT = 120_000;
const tempDir = useTempDirs();

interface ListedJson {
  entries: Record<string, unknown>[];
  damaged: unknown[];
}

/** An entry as listed, without the moment it was cached (two libraries cache one query at different moments). */
function timeless(entry: Record<string, unknown>): Record<string, unknown> {
  const { created_at: createdAt, ...rest } = entry;
  expect(typeof createdAt).toBe('string');
  return rest;
}

describe('vsearch cache list, clear and add with --lib postgres:// (PGlite + pgvector over the wire)', () => {
  const db = useTestDatabase();
  let folder: TempLibrary;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let vectorFile: string;
  const outputs: CliResult[] = [];
  const cli = async (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const result = await runCliAsync(args, { ...env, ...extra });
    outputs.push(result);
    return result;
  };
  const listJson = async (lib: string): Promise<ListedJson> => {
    const listed = await cli(['cache', 'list', '--lib', lib, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    return JSON.parse(listed.stdout) as ListedJson;
  };

  beforeAll(async () => {
    folder = await createTempLibrary({
      segments: syntheticSegments({ count: 40, dimension: DIMENSION, seed: 4 }, 10),
      importOptions: { model: 'test-model' },
    });
    url = libraryUrl(db(), 'cache_lib');
    env = { VSEARCH_PG_CACHE: await tempDir() };
    const synced = await runCliAsync(['sync', '--from', folder.dir, '--to', url]);
    expect(synced.stderr).not.toContain(PASSWORD);
    expect(synced.status).toBe(0);
    vectorFile = join(await tempDir(), 'query.json');
    await writeFile(
      vectorFile,
      JSON.stringify(Array.from(syntheticQueries({ count: 1, dimension: DIMENSION, seed: 9 }))),
    );
  }, 180_000);
  afterAll(async () => {
    await folder?.cleanup();
  });

  it(
    'lists a query cached through the CLI as the folder lists it, then clears it',
    async () => {
      for (const lib of [folder.dir, url]) {
        const added = await cli(['cache', 'add', '--lib', lib, '--text', 'a red kite', '--vector', vectorFile]);
        expect(added.stderr).toContain('cached the text query');
        expect(added.status).toBe(0);
      }

      const fromFolder = await listJson(folder.dir);
      const fromPg = await listJson(url);
      expect(fromPg.damaged).toEqual([]);
      expect(fromPg.entries).toHaveLength(1);
      expect(fromPg.entries.map(timeless)).toEqual(fromFolder.entries.map(timeless));
      expect(fromPg.entries[0]).toMatchObject({ model: 'test-model', modality: 'text', origin: null, dimension: 16 });

      const human = await cli(['cache', 'list'], { VSEARCH_LIB: url });
      expect(human.status).toBe(0);
      const contentId = String(fromPg.entries[0]?.content_id);
      expect(human.stdout).toMatch(new RegExp(`^test-model {2}text {3}unknown {2}${contentId} {2}\\S+\\n$`));

      const sparedByFilter = await cli(['cache', 'clear', '--lib', url, '--modality', 'image', '--json']);
      expect(sparedByFilter.status).toBe(0);
      expect(JSON.parse(sparedByFilter.stdout)).toEqual({ removed: 0 });
      expect((await listJson(url)).entries).toHaveLength(1);

      const cleared = await cli(['cache', 'clear', '--lib', url, '--json']);
      expect(cleared.status).toBe(0);
      expect(JSON.parse(cleared.stdout)).toEqual({ removed: 1 });
      expect(await listJson(url)).toEqual({ entries: [], damaged: [] });
      const empty = await cli(['cache', 'list'], { VSEARCH_LIB: url });
      expect(empty.stdout).toBe('no cached queries\n');
      // The folder's cache is its own: clearing the PostgreSQL library's left it.
      expect((await listJson(folder.dir)).entries).toHaveLength(1);

      const again = await cli(['cache', 'add', '--lib', url, '--text', 'a red kite', '--vector', vectorFile]);
      expect(again.status).toBe(0);
      const humanClear = await cli(['cache', 'clear'], { VSEARCH_LIB: url });
      expect(humanClear.status).toBe(0);
      expect(humanClear.stderr).toContain('removed 1 cached query');
      expect((await listJson(url)).entries).toEqual([]);
    },
    PROCESS_TIMEOUT * 3,
  );

  it(
    'refuses bad input with exit 2, names an unknown library, and never prints the password',
    async () => {
      const badModality = await cli(['cache', 'clear', '--lib', url, '--modality', 'smell']);
      expect(badModality.status).toBe(2);
      expect(badModality.stderr).toContain('--modality must be text, image, audio or video');

      const unknown = await cli(['cache', 'list', '--lib', libraryUrl(db(), 'no_such_cache_lib')]);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('no_such_cache_lib');

      expect(outputs.length).toBeGreaterThan(0);
      for (const output of outputs) expect(`${output.stdout}${output.stderr}`).not.toContain(PASSWORD);
    },
    PROCESS_TIMEOUT,
  );
});
