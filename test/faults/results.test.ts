import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SearchResponse } from '../../src/query/index.js';
import { QueryCache, sha256Hex } from '../../src/store/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulator } from '../helpers/emulator.js';
import { cosine } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';

/**
 * Fault table for result lists and the query cache (issue 11 parts 5 and 6). Each row runs the
 * real CLI on its own copy of one library holding clip and video scopes, and checks the exit
 * code, the message, that no process died of a signal, that no segment was lost, and that the
 * answer is the exact scan's over the clip rows for the query vector the cache holds after it.
 */

const DIM = 512;
const TEXT = 'a heron in the reeds';
const SEGMENTS: JsonlSegment[] = ['a.mp4', 'b.mp4', 'c.mp4'].flatMap((video, v) => [
  ...clipSegments(video, 5, DIM, v + 1, { embedding_scope: 'clip' }),
  { video_id: video, start_sec: 0, end_sec: 30, embedding: testVector(DIM, 9000 + v), embedding_scope: 'video' },
]);

interface Row {
  case: string;
  command: string;
  /** Damages or races the row's library copy; returns the CLI outcome the row checks. */
  run: (lib: string) => Promise<CliResult>;
  status: number;
  message: RegExp | null;
  /** Embed calls the emulator must have seen during the row. */
  embeds: number;
  /** The answer is checked against the exact scan when the row answers. */
  answers: boolean;
  /** Whose cached vector the answer must be the exact scan's for: the emulator's, or (offline) any origin's as the cache prefers. */
  served?: 'emulator' | 'offline';
}

let work: string;
let base: string;
const env = (): NodeJS.ProcessEnv => ({ TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu().baseUrl });

function vsearch(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCliAsync(args, extraEnv);
}

async function onlyCacheFile(lib: string): Promise<string> {
  const names = (await readdir(join(lib, 'cache'))).filter((name) => name.endsWith('.arrow'));
  expect(names).toHaveLength(1);
  return join(lib, 'cache', names[0] as string);
}

/** The exact scan: clip rows only, best first. */
function exactKeys(query: readonly number[]): string[] {
  return SEGMENTS.filter((s) => s['embedding_scope'] === 'clip')
    .map((s) => ({ key: `${s.video_id}@${s.start_sec}-${s.end_sec}`, score: cosine(s.embedding, query) }))
    .sort((a, b) => b.score - a.score)
    .map((hit) => hit.key);
}

const ROWS: Row[] = [
  {
    case: 'a cache file cut short',
    command: `query "${TEXT}" (through the emulator)`,
    run: async (lib) => {
      await writeFile(await onlyCacheFile(lib), (await readFile(await onlyCacheFile(lib))).subarray(0, 80));
      return vsearch(['query', TEXT, '--lib', lib, '--json', '--limit', '50'], env());
    },
    status: 0,
    message: null,
    embeds: 1,
    answers: true,
    served: 'emulator',
  },
  {
    case: 'a cache file whose vector changed (checksum)',
    command: `query "${TEXT}" --offline`,
    run: async (lib) => {
      const path = await onlyCacheFile(lib);
      const bytes = await readFile(path);
      const vector = (await new QueryCache(lib).entries())[0]?.vector as Float32Array;
      const at = bytes.indexOf(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
      bytes.writeFloatLE(0.5, at + 8);
      await writeFile(path, bytes);
      return vsearch(['query', TEXT, '--lib', lib, '--offline']);
    },
    status: 2,
    message: /no sound entry in the query cache \(.*: its vector does not match its checksum\)/,
    embeds: 0,
    answers: false,
  },
  {
    case: "a cache entry of another dimension under the query's key",
    command: `query "${TEXT}" (through the emulator)`,
    run: async (lib) => {
      const [entry] = await new QueryCache(lib).entries();
      await new QueryCache(lib).put(
        (entry as { key: Parameters<QueryCache['put']>[0] }).key,
        Float32Array.from([1, 0, 0]),
      );
      return vsearch(['query', TEXT, '--lib', lib, '--json', '--limit', '50'], env());
    },
    status: 0,
    message: null,
    embeds: 1,
    answers: true,
    served: 'emulator',
  },
  {
    case: 'a facts file from before scopes (an older format)',
    command: `query "${TEXT}" --offline`,
    run: async (lib) => {
      const path = join(lib, 'index', 'facts.bin');
      const bytes = await readFile(path);
      expect(bytes.subarray(0, 8).toString('latin1')).toBe('VSFACTS3');
      bytes.write('VSFACTS2', 0, 'latin1');
      await writeFile(path, bytes);
      return vsearch(['query', TEXT, '--lib', lib, '--offline', '--json', '--limit', '50']);
    },
    status: 0,
    message: /facts file .* was written by an older vsearch; it is rebuilt from the store/,
    embeds: 0,
    answers: true,
    served: 'offline',
  },
  {
    case: 'two `cache add` of one query at once, with different vectors',
    command: `cache add --text "${TEXT}" --vector A & cache add --text "${TEXT}" --vector B; query --offline`,
    run: async (lib) => {
      const files = await Promise.all(
        [1, 2].map(async (n) => {
          const path = join(lib, '..', `v${n}.json`);
          await writeFile(path, JSON.stringify(testVector(DIM, 1000 * n + 2)));
          return path;
        }),
      );
      const added = await Promise.all(
        files.map((file) => vsearch(['cache', 'add', '--lib', lib, '--text', TEXT, '--vector', file])),
      );
      for (const outcome of added)
        expect([outcome.status, outcome.signal, outcome.stderr]).toEqual([
          0,
          null,
          expect.stringContaining('cached the text query'),
        ]);
      return vsearch(['query', TEXT, '--lib', lib, '--offline', '--json', '--limit', '50']);
    },
    status: 0,
    message: null,
    embeds: 0,
    answers: true,
    served: 'offline',
  },
];

const emu = useEmulator({ apiKey: API_KEY, seed: 5 });
const suiteDir = useSuiteTempDir();
const tempDir = useTempDirs();
beforeAll(async () => {
  work = suiteDir();
  base = join(work, 'base');
  const file = await writeJsonl(work, 'segments.jsonl', SEGMENTS);
  const built = runCli(['build', '--lib', base, '--from', file, '--model', 'marengo3.0']);
  expect(built.status, built.stderr).toBe(0);
  const first = await vsearch(['query', TEXT, '--lib', base, '--json'], env());
  expect(first.status, first.stderr).toBe(0);
}, 120_000);

describe('fault table: result lists and the query cache', () => {
  it.each(ROWS)('$case: $command', async (row) => {
    const lib = join(await tempDir(), 'lib');
    await cp(base, lib, { recursive: true });
    emu().reset();
    const outcome = await row.run(lib);
    expect(outcome.signal, outcome.stderr).toBeNull();
    expect(outcome.status, outcome.stderr).toBe(row.status);
    if (row.message === null) expect(outcome.stderr).toBe('');
    else expect(outcome.stderr).toMatch(row.message);
    expect(emu().stats().sync_embeds).toBe(row.embeds);
    const stats = runCli(['stats', '--lib', lib, '--json']);
    expect((JSON.parse(stats.stdout) as { segments: number }).segments).toBe(SEGMENTS.length);
    if (row.answers) {
      const response = JSON.parse(outcome.stdout) as SearchResponse;
      const origin = row.served === 'emulator' ? new URL(emu().baseUrl).origin : undefined;
      const served = await new QueryCache(lib).lookup(
        { model: 'marengo3.0', modality: 'text', contentSha256: sha256Hex(TEXT) },
        origin,
        DIM,
      );
      expect(served.damaged).toEqual([]);
      expect(response.data.map((hit) => `${hit.video_id}@${hit.start}-${hit.end}`)).toEqual(
        exactKeys([...(served.entry?.vector ?? [])]),
      );
      expect(response.page_info.total_results).toBe(SEGMENTS.length - 3);
    }
  });
});
