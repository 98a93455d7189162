import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { SearchResponse } from '../../src/query/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulator } from '../helpers/emulator.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/** Issue 11 part 6 through the real CLI against two emulators on two ports (two API origins). */
const tempDir = useTempDirs();
const DIM = 512;
const first = useEmulator({ apiKey: API_KEY, seed: 5 });
const second = useEmulator({ apiKey: API_KEY, seed: 5 });

async function library(): Promise<{ dir: string; lib: string }> {
  const dir = await tempDir();
  const lib = join(dir, 'lib');
  const file = await writeJsonl(
    dir,
    'segments.jsonl',
    ['a.mp4', 'b.mp4', 'c.mp4'].flatMap((video, v) => clipSegments(video, 4, DIM, v + 1)),
  );
  const built = runCli(['build', '--lib', lib, '--from', file, '--model', 'marengo3.0']);
  expect(built.status, built.stderr).toBe(0);
  return { dir, lib };
}

async function queryThrough(emu: RunningEmulator, lib: string, text: string): Promise<SearchResponse> {
  const result = await runCliAsync(['query', text, '--lib', lib, '--json'], {
    TWELVELABS_API_KEY: API_KEY,
    TWELVELABS_BASE_URL: emu.baseUrl,
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as SearchResponse;
}

const origins = (lib: string): (string | null)[] => {
  const listed = runCli(['cache', 'list', '--lib', lib, '--json']);
  expect(listed.status, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { entries: { origin: string | null }[] }).entries
    .map((entry) => entry.origin)
    .sort();
};

describe('the query cache keyed by API origin', () => {
  it("embeds a query again through another origin, and reuses each origin's own", async () => {
    const { lib } = await library();
    first().reset();
    second().reset();
    await queryThrough(first(), lib, 'a bird over the sea');
    await queryThrough(first(), lib, 'a bird over the sea');
    expect(first().stats().sync_embeds).toBe(1);
    await queryThrough(second(), lib, 'a bird over the sea');
    expect(second().stats().sync_embeds).toBe(1);
    await queryThrough(first(), lib, 'a bird over the sea');
    expect(first().stats().sync_embeds).toBe(1);
    expect(origins(lib)).toEqual([new URL(first().baseUrl).origin, new URL(second().baseUrl).origin].sort());
    const cleared = runCli(['cache', 'clear', '--lib', lib, '--origin', second().baseUrl, '--json']);
    expect(JSON.parse(cleared.stdout)).toEqual({ removed: 1 });
    expect(origins(lib)).toEqual([new URL(first().baseUrl).origin]);
    await queryThrough(second(), lib, 'a bird over the sea');
    expect(second().stats().sync_embeds).toBe(2);
  });

  it('serves an embedding added with `cache add` (unknown origin) offline, never to an API', async () => {
    const { dir, lib } = await library();
    const known = testVector(DIM, 1002);
    const vectorFile = join(dir, 'query.json');
    await writeFile(vectorFile, JSON.stringify(known));
    const added = runCli(['cache', 'add', '--lib', lib, '--text', 'a fish', '--vector', vectorFile]);
    expect(added.status, added.stderr).toBe(0);
    const offline = runCli(['query', 'a fish', '--lib', lib, '--offline', '--json']);
    expect(offline.status, offline.stderr).toBe(0);
    const byVector = runCli(['query', '--vector', vectorFile, '--lib', lib, '--json']);
    expect((JSON.parse(offline.stdout) as SearchResponse).data).toEqual(
      (JSON.parse(byVector.stdout) as SearchResponse).data,
    );
    expect((JSON.parse(offline.stdout) as SearchResponse).data[0]).toMatchObject({ video_id: 'a.mp4', start: 12 });
    first().reset();
    await queryThrough(first(), lib, 'a fish');
    expect(first().stats().sync_embeds).toBe(1);
    expect(origins(lib)).toEqual([new URL(first().baseUrl).origin, null]);
  });

  it('embeds again, and replaces, a cache file that fails its checks; offline it says the file is damaged', async () => {
    const { lib } = await library();
    first().reset();
    const before = await queryThrough(first(), lib, 'a red car');
    const [name] = await readdir(join(lib, 'cache'));
    await truncate(join(lib, 'cache', name as string), 64);
    const offline = runCli(['query', 'a red car', '--lib', lib, '--offline']);
    expect(offline.status).toBe(2);
    expect(offline.stderr).toMatch(
      /no sound entry in the query cache \(.*cache.*\.arrow: it is not a readable Arrow file/,
    );
    const again = await queryThrough(first(), lib, 'a red car');
    expect(first().stats().sync_embeds).toBe(2);
    expect(again.data).toEqual(before.data);
    const listed = runCli(['cache', 'list', '--lib', lib]);
    expect(listed.stderr).not.toMatch(/damaged/);
    expect(listed.stdout).toContain(new URL(first().baseUrl).origin);
  });

  it("keys an added image by its file's bytes, and refuses bad input writing nothing", async () => {
    const { dir, lib } = await library();
    const image = join(dir, 'query.png');
    // A PNG signature (queries are checked by their first bytes), then bytes only the key reads.
    await writeFile(
      image,
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.from('not really a png, only its bytes matter to the key'),
      ]),
    );
    const vectorFile = join(dir, 'image-vector.json');
    await writeFile(vectorFile, JSON.stringify({ embedding: testVector(DIM, 2001) }));
    expect(runCli(['cache', 'add', '--lib', lib, '--image', image, '--vector', vectorFile]).status).toBe(0);
    const copy = join(dir, 'same-bytes.png');
    await writeFile(copy, await readFile(image));
    const offline = runCli(['query', '--image', copy, '--lib', lib, '--offline', '--json']);
    expect(offline.status, offline.stderr).toBe(0);
    expect((JSON.parse(offline.stdout) as SearchResponse).data[0]).toMatchObject({ video_id: 'b.mp4', start: 6 });
    for (const args of [
      ['--text', 'x', '--image', image, '--vector', vectorFile],
      ['--text', 'x', '--vector', join(dir, 'missing.json')],
      ['--text', 'x', '--vector', vectorFile, '--origin', 'not a url'],
    ]) {
      const bad = runCli(['cache', 'add', '--lib', lib, ...args]);
      expect(bad.status, bad.stderr).toBe(2);
    }
    expect(origins(lib)).toEqual([null]);
  });
});
