import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { CLI } from '../helpers/cli.js';
import { buildLibraryWithCli } from '../helpers/cli-library.js';
import { useEmulator } from '../helpers/emulator.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

/**
 * Fault table for the CLI as a person uses it (issue 17 within issue 10's table): each row runs
 * the real binary on its own copy of one library and checks the exit code, the message, that
 * no process died of a signal or printed a stack trace, that the manifest is byte for byte what
 * it was (no segment lost or added), and that a vector query afterwards gives the exact scan's answer.
 */

// marengo3.0's dimension, so the build rows can embed into the same library.
const DIM = 512;
const SEGMENTS: JsonlSegment[] = [...clipSegments('alpha', 6, DIM, 1), ...clipSegments('beta', 6, DIM, 2)];
const QUERY = testVector(DIM, 77);
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Fixture {
  dir: string;
  lib: string;
  env: NodeJS.ProcessEnv;
}

interface Row {
  case: string;
  command: (f: Fixture) => string[];
  stdin?: string;
  /** Extra environment of the run (an unreachable API, say). */
  env?: (f: Fixture) => Promise<NodeJS.ProcessEnv> | NodeJS.ProcessEnv;
  before?: (f: Fixture) => Promise<void>;
  status: number;
  message: RegExp;
}

let work: string;
let base: string;
const emu = useEmulator({ apiKey: API_KEY, taskDelayMs: 50, seed: 5, scenario: testScenario() });
let rowCount = 0;
const servers: Server[] = [];

function run(args: readonly string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Outcome> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, VSEARCH_LIB: '', TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? '');
  return once(child, 'exit').then(([status, signal]) => ({
    status: status as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const apiEnv = (): NodeJS.ProcessEnv => ({ TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu().baseUrl });

const ROWS: Row[] = [
  {
    case: 'a build input that does not exist',
    command: (f) => ['build', join(f.dir, 'nope.mp4'), '--lib', f.lib],
    env: apiEnv,
    status: 1,
    message: /FAILED .*nope\.mp4: cannot read it \(ENOENT\)/,
  },
  {
    case: 'a build input that cannot be opened (a socket named .mp4)',
    command: (f) => ['build', join(f.dir, 'socket.mp4'), '--lib', f.lib],
    before: async (f) => {
      const server = createServer().listen(join(f.dir, 'socket.mp4'));
      await once(server, 'listening');
      servers.push(server);
    },
    env: apiEnv,
    status: 1,
    message: /FAILED .*socket\.mp4: cannot read it \(E[A-Z]+\)/,
  },
  {
    case: 'the API unreachable during a build',
    command: (f) => ['build', join(MEDIA_SAMPLES, 'test-tone.wav'), '--lib', f.lib],
    env: async () => ({
      TWELVELABS_API_KEY: API_KEY,
      TWELVELABS_BASE_URL: `http://127.0.0.1:${await closedPort()}/v1.3`,
    }),
    status: 1,
    message:
      /API: 0 sync embeds, 0 tasks created, 0 resumed, \d+ retries[\s\S]*FAILED .*test-tone\.wav: could not reach TwelveLabs/,
  },
  {
    case: 'other index parameters for an existing library',
    command: (f) => ['build', '--lib', f.lib, '--from', join(f.dir, 'more.jsonl'), '--index-m', '48'],
    before: async (f) => {
      await writeJsonl(f.dir, 'more.jsonl', clipSegments('gamma', 2, DIM, 3));
    },
    status: 2,
    message: /index parameters are fixed when it is created: --index-m 48 \(it has 16\)/,
  },
  {
    case: 'a page token with --limit',
    command: (f) => ['query', '--lib', f.lib, '--page-token', 'ZmFrZS10b2tlbg', '--limit', '3'],
    status: 2,
    message: /--page-token replays the search it came from .* cannot be combined with --limit/,
  },
  {
    case: 'a page token with query text',
    command: (f) => ['query', 'a cat', '--lib', f.lib, '--page-token', 'ZmFrZS10b2tlbg'],
    status: 2,
    message: /--page-token replays its own search, so it takes no query text/,
  },
  {
    case: '--vector - fed a truncated JSON array',
    command: (f) => ['query', '--lib', f.lib, '--vector', '-'],
    stdin: '[0.1, 0.2, 0.3',
    status: 2,
    message: /stdin: the vector file is not valid JSON/,
  },
  {
    case: 'a text file given as --image',
    command: (f) => ['query', '--lib', f.lib, '--image', join(PROJECT_ROOT, 'README.md')],
    env: apiEnv,
    status: 2,
    message: /README\.md: not usable as --image: its first bytes match no image format/,
  },
  {
    case: 'a wav file given as --video',
    command: (f) => ['query', '--lib', f.lib, '--video', join(MEDIA_SAMPLES, 'test-tone.wav')],
    env: apiEnv,
    status: 2,
    message: /not usable as --video: its content is audio \(wav\)/,
  },
];

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  work = suiteDir();
  base = await buildLibraryWithCli(work, 'base', SEGMENTS, 'marengo3.0');
  await writeFile(join(work, 'query.json'), JSON.stringify(QUERY));
});

afterAll(() => {
  for (const server of servers) server.close();
});

describe('fault table: the CLI (issue 17)', () => {
  it.each(ROWS)(
    '$case',
    async (row) => {
      const dir = join(work, `row-${rowCount++}`);
      const lib = join(dir, 'lib');
      await cp(base, lib, { recursive: true });
      const fixture: Fixture = { dir, lib, env: {} };
      await row.before?.(fixture);
      const manifest = await readFile(join(lib, 'manifest.json'), 'utf8');

      const outcome = await run(row.command(fixture), (await row.env?.(fixture)) ?? {}, row.stdin);
      expect(outcome.signal, outcome.stderr).toBeNull();
      expect(outcome.status, outcome.stderr).toBe(row.status);
      expect(outcome.stderr).toMatch(row.message);
      expect(outcome.stderr).not.toMatch(STACK_LINE);

      // No segment lost or added, and the answers are still the exact scan's.
      expect(await readFile(join(lib, 'manifest.json'), 'utf8')).toBe(manifest);
      const answer = await run(
        ['query', '--lib', lib, '--vector', join(work, 'query.json'), '--limit', '5', '--json'],
        {},
      );
      expect(answer.status, answer.stderr).toBe(0);
      const hits = (
        JSON.parse(answer.stdout) as {
          data: { video_id: string; start: number; embedding_option: string; score: number }[];
        }
      ).data;
      const exact = exactClips(SEGMENTS, [QUERY]).slice(0, 5);
      expect(hits.map(hitKey)).toEqual(exact.map((hit) => hit.key));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i]?.score ?? Number.NaN, 5));
    },
    120_000,
  );
});
