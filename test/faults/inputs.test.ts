import { execFileSync, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, FixedSizeList, Float64, makeData, makeVector, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeText } from '../../src/cli/query.js';
import { queryEmbedderFor } from '../../src/embed/embedding-service.js';
import { openLibrary } from '../../src/library/index.js';
import { API_KEY, useEmulatorsWithClients } from '../build/emulator-fixture.js';
import { CLI, runCli } from '../helpers/cli.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { startServeCli } from '../helpers/serve-cli.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

/**
 * Fault table for input limits, output safety and read-only libraries (issue 10, parts 4
 * and 5). Every row runs the real CLI (dist/cli/main.js) on its own copy of one library and
 * checks the exit code (the HTTP status for serve rows), the message, that no process died of
 * a signal, that stderr holds no stack trace, that the store (manifest, segments, index) is
 * byte for byte what it was unless the row says otherwise, and, where there are answers, that
 * they are the exact scan's.
 */

const DIM = 16;
const MODEL = 'test-16d';
const EVIL_ESC = 'evil\u001b[2J\u001b[31mred';
const EVIL_NL = 'two\n  1  forged  00:00-00:06  0.9999  high  visual';
const SEGMENTS: JsonlSegment[] = [
  ...clipSegments('alpha', 6, DIM, 1),
  ...clipSegments('beta', 6, DIM, 2),
  ...clipSegments(EVIL_ESC, 3, DIM, 3),
  ...clipSegments(EVIL_NL, 3, DIM, 4),
];
const BASE_COUNT = SEGMENTS.length;
/** The query text the base library has cached (so serve can answer it without an API key). */
const CACHED_TEXT = 'probe';
const QUERY = testVector(DIM, 77);
const TIMEOUT_MS = 60_000;
const TEXT_QUERY = 'a cat on a sofa';
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

interface Outcome {
  /** The CLI's exit code, or for a serve row the HTTP status of the answer. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Fixture {
  /** The row's own folder (mode 755, so another user can read it). */
  dir: string;
  /** The row's copy of the base library. */
  lib: string;
  write(name: string, content: string | Uint8Array): Promise<string>;
}

interface Row {
  case: string;
  command: string;
  run: (f: Fixture) => Promise<Outcome>;
  status: number;
  /** Matched against stderr (the answer's body for serve rows); null: stderr must be empty. */
  message: RegExp | null;
  /** Serve rows: the message is in the HTTP answer's body. */
  http?: true;
  /** The segment count after the row; the store must be unchanged when it is BASE_COUNT. */
  segmentsAfter?: number;
  check?: (outcome: Outcome, f: Fixture) => void | Promise<void>;
}

let work: string;
let base: string;
let rowCount = 0;

/**
 * Root ignores permission bits, so as root a library is made read-only with the immutable flag
 * (chattr +i, which binds root too); otherwise with chmod. (Running the CLI as another user
 * instead needs the checkout to be reachable by that user, which a clone under a private temp
 * folder is not.)
 */
const AS_ROOT = process.getuid?.() === 0;

interface RunOptions {
  /** 'closed': stdout is a pipe whose reading end is closed before the child writes; a number: that fd. */
  stdout?: 'pipe' | 'closed' | number;
  env?: NodeJS.ProcessEnv;
}

async function run(args: readonly string[], options: RunOptions = {}): Promise<Outcome> {
  const stdio: StdioOptions = ['ignore', typeof options.stdout === 'number' ? options.stdout : 'pipe', 'pipe'];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, VSEARCH_LIB: '', TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '', ...options.env },
    stdio,
  });
  if (options.stdout === 'closed') child.stdout?.destroy();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  const [status, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { status, signal, stdout, stderr };
}

/**
 * `vsearch serve` on the library: posts one search form, then a plain one to show the server
 * survived, then stops it with SIGTERM. The outcome's status is the first answer's; its
 * stdout, that answer's body; a signal death or non-zero exit of the server is reported as
 * its signal / thrown.
 */
async function serveSearch(lib: string, fields: Record<string, string>): Promise<Outcome> {
  const { child, url, exited, stderr } = await startServeCli(['--lib', lib, '--port', '0']);
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  try {
    const indexId = (JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as { id: string }).id;
    const post = async (extra: Record<string, string>): Promise<Response> => {
      const form = new FormData();
      for (const [name, value] of Object.entries({
        index_id: indexId,
        search_options: 'visual',
        query_text: CACHED_TEXT,
        page_limit: '3',
        ...extra,
      }))
        form.append(name, value);
      return fetch(`${url}/search`, { method: 'POST', body: form });
    };
    const answer = await post(fields);
    const body = await answer.text();
    const after = await post({});
    expect(after.status, "the server answers a plain search after the row's request").toBe(200);
    await after.text();
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect(code, `serve's exit code (stderr: ${stderr()})`).toBe(signal === null ? 0 : null);
    return { status: answer.status, signal, stdout: body, stderr: stderr() };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

async function storeSnapshot(lib: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {
    'manifest.json': createHash('sha256')
      .update(await readFile(join(lib, 'manifest.json')))
      .digest('hex'),
  };
  for (const sub of ['segments', 'index']) {
    for (const name of await readdir(join(lib, sub)))
      out[`${sub}/${name}`] = createHash('sha256')
        .update(await readFile(join(lib, sub, name)))
        .digest('hex');
  }
  return out;
}

function segmentCount(lib: string): number {
  const stats = runCli(['stats', '--lib', lib, '--json']);
  expect(stats.status, stats.stderr).toBe(0);
  return (JSON.parse(stats.stdout) as { segments: number }).segments;
}

function exactTop(query: readonly number[], k: number): string[] {
  return exactClips(SEGMENTS, [query])
    .slice(0, k)
    .map((hit) => hit.key);
}

const nestedArrays = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const vectorJson = (values: number[]): string => JSON.stringify(values);
const padded = (head: number[]): number[] => [...head, ...new Array<number>(DIM - head.length).fill(0)];
const segmentLine = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  video_id: 'new',
  start_sec: 0,
  end_sec: 6,
  embedding: testVector(DIM, 5),
  ...overrides,
});

/** An Arrow file in the segment schema's names whose vectors are float64, one of them holding 1e200. */
function float64Arrow(): Uint8Array {
  const values = Float64Array.from([...testVector(DIM, 8), ...testVector(DIM, 9)]);
  values[DIM + 2] = 1e200;
  const child = makeData({ type: new Float64(), length: values.length, data: values });
  const vector = makeVector(
    makeData({ type: new FixedSizeList(DIM, new Field('item', new Float64(), false)), length: 2, nullCount: 0, child }),
  );
  const table = new Table({
    video_id: vectorFromArray(['arrow-a', 'arrow-b']),
    start_sec: vectorFromArray(Float64Array.from([0, 6])),
    end_sec: vectorFromArray(Float64Array.from([6, 12])),
    vector,
  });
  return tableToIPC(table, 'file');
}

function humanLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line !== '');
}

const ROWS: Row[] = [
  {
    case: '1e200 in a JSONL segment',
    command: 'vsearch build --from big.jsonl',
    run: async (f) =>
      run([
        'build',
        '--lib',
        f.lib,
        '--from',
        await f.write(
          'big.jsonl',
          [segmentLine({}), segmentLine({ video_id: 'big', embedding: [1, 2, 3, 1e200, ...testVector(DIM - 4, 3)] })]
            .map((r) => JSON.stringify(r))
            .join('\n'),
        ),
      ]),
    status: 2,
    message:
      /big\.jsonl:2: embedding value 3 is 1e\+200, outside float32's range \(\|x\| <= 3\.4028234663852886e\+38\)/,
  },
  {
    case: '1e200 in a saved v2 embed response',
    command: 'vsearch build --from v2.json',
    run: async (f) => {
      const data = [0, 1].map((i) => ({
        embedding: i === 1 ? [1e200, ...testVector(DIM - 1, 4)] : testVector(DIM, 4),
        embedding_option: 'visual',
        embedding_scope: 'clip',
        start_sec: i * 6,
        end_sec: i * 6 + 6,
      }));
      return run(['build', '--lib', f.lib, '--from', await f.write('v2.json', JSON.stringify({ data }))]);
    },
    status: 2,
    message: /v2\.json:2: data\[1\]\.embedding value 0 is 1e\+200, outside float32's range/,
  },
  {
    case: '-1e200 in a saved v1 embed response',
    command: 'vsearch build --from v1.json',
    run: async (f) => {
      const segments = [
        {
          float: [...testVector(5, 6), -1e200, ...testVector(DIM - 6, 6)],
          start_offset_sec: 0,
          end_offset_sec: 6,
          embedding_scope: 'clip',
        },
      ];
      return run([
        'build',
        '--lib',
        f.lib,
        '--from',
        await f.write('v1.json', JSON.stringify({ model_name: MODEL, video_embedding: { segments } })),
      ]);
    },
    status: 2,
    message: /v1\.json:1: video_embedding\.segments\[0\]\.float value 5 is -1e\+200, outside float32's range/,
  },
  {
    case: '1e200 in an Arrow file with float64 vectors',
    command: 'vsearch build --from f64.arrow',
    run: async (f) => run(['build', '--lib', f.lib, '--from', await f.write('f64.arrow', float64Arrow())]),
    status: 2,
    message: /f64\.arrow:2: vector value 2 is 1e\+200, outside float32's range/,
  },
  {
    case: 'an Infinity-like string in a JSONL embedding',
    command: 'vsearch build --from inf.jsonl',
    run: async (f) =>
      run([
        'build',
        '--lib',
        f.lib,
        '--from',
        await f.write('inf.jsonl', JSON.stringify(segmentLine({ embedding: ['Infinity', ...testVector(DIM - 1, 2)] }))),
      ]),
    status: 2,
    message: /inf\.jsonl:1: embedding value 0 is not a finite number \(Infinity\)/,
  },
  {
    case: 'a JSONL segment whose norm underflows float32 (values of 1e-30)',
    command: 'vsearch build --from tiny.jsonl',
    run: async (f) =>
      run([
        'build',
        '--lib',
        f.lib,
        '--from',
        await f.write('tiny.jsonl', JSON.stringify(segmentLine({ embedding: padded([1e-30, 1e-30]) }))),
      ]),
    status: 2,
    message: /tiny\.jsonl:1: the embedding has norm 1\.41e-30, too small for float32/,
  },
  {
    case: 'a query vector holding 3.5e38',
    command: 'vsearch query --vector big.json',
    run: async (f) =>
      run(['query', '--lib', f.lib, '--vector', await f.write('big.json', vectorJson(padded([3.5e38, 1])))]),
    status: 2,
    message: /the query vector: value 0 is 3\.5e\+38, outside float32's range/,
    check: (o) => expect(o.stdout).toBe(''),
  },
  {
    case: 'a query vector whose norm underflows float32',
    command: 'vsearch query --vector tiny.json',
    run: async (f) =>
      run(['query', '--lib', f.lib, '--vector', await f.write('tiny.json', vectorJson(padded([1e-30, -1e-30])))]),
    status: 2,
    message: /the query vector has norm 1\.41e-30, too small for float32 \(its squared norm underflows to 0/,
    check: (o) => expect(o.stdout).toBe(''),
  },
  {
    case: 'a query vector whose norm overflows float32',
    command: 'vsearch query --vector huge.json --json',
    run: async (f) =>
      run([
        'query',
        '--lib',
        f.lib,
        '--json',
        '--vector',
        await f.write('huge.json', vectorJson(padded([1e20, 1e20, 1e20]))),
      ]),
    status: 2,
    message: /the query vector has norm 1\.73e\+20, too large for float32/,
    check: (o) => expect(o.stdout).toBe(''),
  },
  {
    case: 'a filter nested 10000 deep',
    command: 'vsearch query --filter {"a":[[[...]]]}',
    run: async (f) =>
      run([
        'query',
        '--lib',
        f.lib,
        '--vector',
        await f.write('q.json', vectorJson(QUERY)),
        '--filter',
        `{"a":${nestedArrays(10_000)}}`,
      ]),
    status: 2,
    message: /--filter: the filter nests deeper than 32 levels of objects and arrays, the limit for JSON input/,
    check: (o) => expect(o.stdout).toBe(''),
  },
  {
    // One argument can be at most 128 KiB on Linux (MAX_ARG_STRLEN): 1 MB goes through serve below.
    case: 'a filter of 100 KB',
    command: 'vsearch query --filter {"id":[...]}',
    run: async (f) => {
      const filter = JSON.stringify({ id: Array.from({ length: 10_000 }, (_, i) => `video-${i}`) });
      return run(['query', '--lib', f.lib, '--vector', await f.write('q.json', vectorJson(QUERY)), '--filter', filter]);
    },
    status: 2,
    message: /--filter: the filter is 1\d{5} bytes; the limit for JSON input is 65536 bytes \(64 KiB\)/,
    check: (o) => expect(o.stdout).toBe(''),
  },
  {
    case: '--metadata nested 10000 deep',
    command: 'vsearch build --from new.jsonl --metadata {"a":[[[...]]]}',
    run: async (f) =>
      run([
        'build',
        '--lib',
        f.lib,
        '--from',
        await f.write('new.jsonl', JSON.stringify(segmentLine({}))),
        '--metadata',
        `{"a":${nestedArrays(10_000)}}`,
      ]),
    status: 2,
    message: /--metadata nests deeper than 32 levels of objects and arrays/,
  },
  {
    case: "a JSONL segment's metadata nested 10000 deep",
    command: 'vsearch build --from deep.jsonl',
    run: async (f) =>
      run([
        'build',
        '--lib',
        f.lib,
        '--from',
        await f.write(
          'deep.jsonl',
          `${JSON.stringify(segmentLine({})).slice(0, -1)},"metadata":{"a":${nestedArrays(10_000)}}}`,
        ),
      ]),
    status: 2,
    message: /deep\.jsonl:1: the metadata nests deeper than 32 levels/,
  },
  {
    case: 'a serve filter nested 10000 deep',
    command: 'POST /v1.3/search filter={"a":[[[...]]]}',
    run: async (f) => serveSearch(f.lib, { filter: `{"a":${nestedArrays(10_000)}}` }),
    http: true,
    status: 400,
    message: /"code":"parameter_invalid".*the filter nests deeper than 32 levels/,
  },
  {
    case: 'a serve filter of 1 MB',
    command: 'POST /v1.3/search filter={"id":[...]} (1 MB)',
    run: async (f) =>
      serveSearch(f.lib, { filter: JSON.stringify({ id: Array.from({ length: 74_000 }, (_, i) => `video-${i}`) }) }),
    http: true,
    status: 400,
    message: /"code":"parameter_invalid".*the filter is 1024898 bytes; the limit for JSON input is 65536 bytes/,
  },
  {
    case: 'a video id holding ESC sequences, in human query output',
    command: 'vsearch query --vector evil.json --limit 50',
    run: async (f) =>
      run([
        'query',
        '--lib',
        f.lib,
        '--limit',
        '50',
        '--vector',
        await f.write('evil.json', vectorJson(SEGMENTS[12]?.embedding ?? [])),
      ]),
    status: 0,
    message: null,
    check: (o) => {
      expect(o.stdout).not.toMatch(CONTROL);
      const lines = humanLines(o.stdout);
      expect(lines).toHaveLength(BASE_COUNT);
      expect(lines[0]).toMatch(/^ {2}1 {2}evil\\u001b\[2J\\u001b\[31mred {2}00:00-00:06 {2}1\.0000 /);
    },
  },
  {
    case: 'a video id holding a newline and a forged result line, in human query output',
    command: 'vsearch query --vector nl.json --limit 50',
    run: async (f) =>
      run([
        'query',
        '--lib',
        f.lib,
        '--limit',
        '50',
        '--vector',
        await f.write('nl.json', vectorJson(SEGMENTS[15]?.embedding ?? [])),
      ]),
    status: 0,
    message: null,
    check: (o) => {
      const lines = humanLines(o.stdout);
      // One line per hit, ranks 1..n in order: the id's newline made no line of its own.
      expect(lines.map((line) => Number(line.slice(0, 3)))).toEqual(
        Array.from({ length: BASE_COUNT }, (_, i) => i + 1),
      );
      expect(lines[0]).toMatch(/^ {2}1 {2}two\\n {2}1 {2}forged/);
      expect(lines.filter((line) => line.startsWith('  1  forged'))).toEqual([]);
    },
  },
  {
    case: 'rm of a video id holding a newline, in its human summary',
    command: 'vsearch rm <id with newline>',
    run: async (f) => run(['rm', '--lib', f.lib, EVIL_NL]),
    status: 0,
    message: /^removed two\\n {2}1 {2}forged {2}00:00-00:06 {2}0\.9999 {2}high {2}visual: 3 segments\n$/,
    segmentsAfter: BASE_COUNT - 3,
  },
  {
    case: '--vector naming a FIFO (it used to hang)',
    command: 'vsearch query --vector fifo',
    run: async (f) => {
      execFileSync('mkfifo', [join(f.dir, 'fifo')]);
      return run(['query', '--lib', f.lib, '--vector', join(f.dir, 'fifo')]);
    },
    status: 2,
    message: /fifo is not a regular file \(it is a FIFO \(named pipe\)\); give the vector file as a regular file/,
  },
  {
    case: '--vector naming a directory',
    command: 'vsearch query --vector dir',
    run: async (f) => {
      await mkdir(join(f.dir, 'dir'));
      return run(['query', '--lib', f.lib, '--vector', join(f.dir, 'dir')]);
    },
    status: 2,
    message: /dir is not a regular file \(it is a directory\)/,
  },
  {
    case: '--vector naming a device that never ends',
    command: 'vsearch query --vector /dev/zero',
    run: async (f) => run(['query', '--lib', f.lib, '--vector', '/dev/zero']),
    status: 2,
    message: /\/dev\/zero is not a regular file \(it is a character device\)/,
  },
  {
    case: '--from naming a FIFO',
    command: 'vsearch build --from fifo.jsonl',
    run: async (f) => {
      execFileSync('mkfifo', [join(f.dir, 'fifo.jsonl')]);
      return run(['build', '--lib', f.lib, '--from', join(f.dir, 'fifo.jsonl')]);
    },
    status: 2,
    message:
      /fifo\.jsonl is not a regular file \(it is a FIFO \(named pipe\)\); give each file to import as a regular file/,
  },
  {
    case: '--from naming a directory',
    command: 'vsearch build --from dir.jsonl',
    run: async (f) => {
      await mkdir(join(f.dir, 'dir.jsonl'));
      return run(['build', '--lib', f.lib, '--from', join(f.dir, 'dir.jsonl')]);
    },
    status: 2,
    message: /dir\.jsonl is not a regular file \(it is a directory\)/,
  },
  {
    case: 'EPIPE: stdout closed before the human results are written',
    command: 'vsearch query --vector q.json --limit 50 | (closed)',
    run: async (f) =>
      run(['query', '--lib', f.lib, '--limit', '50', '--vector', await f.write('q.json', vectorJson(QUERY))], {
        stdout: 'closed',
      }),
    status: 0,
    message: null,
  },
  {
    case: 'EPIPE: stdout closed before the JSON results are written',
    command: 'vsearch query --vector q.json --json | (closed)',
    run: async (f) =>
      run(
        ['query', '--lib', f.lib, '--json', '--limit', '50', '--vector', await f.write('q.json', vectorJson(QUERY))],
        { stdout: 'closed' },
      ),
    status: 0,
    message: null,
  },
  {
    case: 'ENOSPC: stdout is /dev/full',
    command: 'vsearch query --vector q.json --json > /dev/full',
    run: async (f) => {
      const full = await open('/dev/full', 'w');
      try {
        return await run(['query', '--lib', f.lib, '--json', '--vector', await f.write('q.json', vectorJson(QUERY))], {
          stdout: full.fd,
        });
      } finally {
        await full.close();
      }
    },
    status: 1,
    message: /^vsearch: cannot write the output to stdout \(ENOSPC\); what was printed is incomplete\n$/,
  },
  {
    case: 'a read-only library, human query with more results than its page',
    command: 'a read-only LIB (chmod -R a-w; as root chattr -R +i); vsearch query --vector q.json --limit 3',
    run: async (f) => {
      const query = await f.write('q.json', vectorJson(QUERY));
      await makeReadOnly(f.lib);
      return run(['query', '--lib', f.lib, '--limit', '3', '--vector', query]);
    },
    status: 0,
    message:
      /^warning: page records cannot be written in .*cache.* \((EACCES|EPERM|EROFS): the library is read-only for this process\), so no page token was issued; ask for a larger page limit \(up to 50\) to see more results\n$/,
    check: (o, f) => {
      const lines = humanLines(o.stdout);
      const exact = exactClips(SEGMENTS, [QUERY]).slice(0, 3);
      expect(lines).toHaveLength(3);
      lines.forEach((line, i) => {
        const hit = exact[i];
        expect(line).toContain(`  ${escapeText(hit?.video ?? '')}  `);
        expect(Number(/ (-?\d\.\d{4}) {2}(high|medium|low) {2}\S+$/.exec(line)?.[1])).toBeCloseTo(
          hit?.score ?? Number.NaN,
          4,
        );
      });
      expect(existsSync(join(f.lib, 'cache', 'pages'))).toBe(false);
    },
  },
  {
    case: 'a read-only library, JSON query: no dead next_page_token',
    command: 'a read-only LIB (chmod -R a-w; as root chattr -R +i); vsearch query --vector q.json --limit 3 --json',
    run: async (f) => {
      const query = await f.write('q.json', vectorJson(QUERY));
      await makeReadOnly(f.lib);
      return run(['query', '--lib', f.lib, '--limit', '3', '--json', '--vector', query]);
    },
    status: 0,
    message: null,
    check: (o, f) => {
      const response = JSON.parse(o.stdout) as {
        data: { video_id: string; start: number; embedding_option: string }[];
        page_info: Record<string, unknown>;
      };
      expect(response.data.map(hitKey)).toEqual(exactTop(QUERY, 3));
      expect(response.page_info['next_page_token']).toBeUndefined();
      expect(response.page_info['total_results']).toBe(BASE_COUNT);
      expect(response.page_info['paging_unavailable']).toMatch(/read-only for this process/);
      expect(existsSync(join(f.lib, 'cache', 'pages'))).toBe(false);
    },
  },
  {
    case: 'a read-only library, a text query embedded through the API but not cacheable',
    command:
      'a read-only LIB (chmod -R a-w; as root chattr -R +i); vsearch query TEXT --limit 3 --json (emulator upstream)',
    run: readOnlyTextQuery,
    status: 0,
    message:
      /warning: the text query "a cat on a sofa" was embedded but cannot be cached in .*cache \((EACCES|EPERM|EROFS): the library is read-only for this process\), so asking it again embeds it again\n/,
  },
  {
    case: 'a read-only library served: paging unavailable, not dead tokens',
    command: 'a read-only LIB (chmod -R a-w; as root chattr -R +i); vsearch serve; POST /v1.3/search page_limit=3',
    run: async (f) => {
      await makeReadOnly(f.lib);
      return serveSearch(f.lib, {});
    },
    http: true,
    status: 200,
    message: /"paging_unavailable":"page records cannot be written in .*read-only for this process/,
    check: (o, f) => {
      const body = JSON.parse(o.stdout) as {
        data: { video_id: string; start: number; embedding_option: string }[];
        page_info: Record<string, unknown>;
      };
      expect(body.data.map(hitKey)).toEqual(exactTop(QUERY, 3));
      expect(body.page_info['next_page_token']).toBeUndefined();
      expect(existsSync(join(f.lib, 'cache', 'pages'))).toBe(false);
    },
  },
];

/**
 * A text query on a read-only marengo3.0 library, embedded through the emulator: it is answered
 * (and matches the exact scan of the emulator's vector) although it cannot be cached.
 */
async function readOnlyTextQuery(f: Fixture): Promise<Outcome> {
  const lib = join(f.dir, 'm512');
  const segments = [...clipSegments('m-a', 4, 512, 21), ...clipSegments('m-b', 4, 512, 22)];
  const built = runCli([
    'build',
    '--lib',
    lib,
    '--model',
    'marengo3.0',
    '--from',
    await writeJsonl(f.dir, 'm512.jsonl', segments),
  ]);
  expect(built.status, built.stderr).toBe(0);
  const before = await storeSnapshot(lib);
  await makeReadOnly(lib);
  const { emu, client } = await emulatorWithClient();
  const outcome = await run(['query', TEXT_QUERY, '--lib', lib, '--limit', '3', '--json'], {
    env: { TWELVELABS_API_KEY: API_KEY, TWELVELABS_BASE_URL: emu.baseUrl },
  });
  const vector = [...(await queryEmbedderFor(client).embed({ modality: 'text', text: TEXT_QUERY }, 'marengo3.0'))];
  const response = JSON.parse(outcome.stdout || '{"data":[]}') as {
    data: { video_id: string; start: number; embedding_option: string }[];
  };
  expect(response.data.map(hitKey)).toEqual(
    exactClips(segments, [vector])
      .slice(0, 3)
      .map((hit) => hit.key),
  );
  makeWritable(lib);
  expect(await storeSnapshot(lib)).toEqual(before);
  const cached = existsSync(join(lib, 'cache')) ? await readdir(join(lib, 'cache')) : [];
  expect(cached.filter((name) => name.endsWith('.arrow'))).toEqual([]);
  return outcome;
}

async function makeReadOnly(lib: string): Promise<void> {
  execFileSync(AS_ROOT ? 'chattr' : 'chmod', AS_ROOT ? ['-R', '+i', lib] : ['-R', 'a-w', lib]);
}

function makeWritable(dir: string): void {
  // chattr also complains about FIFOs and devices (other rows leave some in the work folder): its status is not the point.
  if (AS_ROOT) spawnSync('chattr', ['-R', '-i', dir]);
  execFileSync('chmod', ['-R', 'u+w', dir]);
}

const suiteDir = useSuiteTempDir();
const emulatorWithClient = useEmulatorsWithClients();
beforeAll(async () => {
  work = suiteDir();
  await chmod(work, 0o755);
  base = join(work, 'base');
  const built = runCli([
    'build',
    '--lib',
    base,
    '--model',
    MODEL,
    '--from',
    await writeJsonl(work, 'base.jsonl', SEGMENTS),
  ]);
  expect(built.status, built.stderr).toBe(0);
  const lib = await openLibrary(base);
  await lib.cacheQuery({ modality: 'text', text: CACHED_TEXT }, QUERY);
  await lib.close();
});

afterAll(async () => {
  makeWritable(work);
  console.log(`fault table (inputs): ${rowCount} cases run`);
});

describe('fault table: input limits, output safety, read-only libraries', () => {
  it('has at least 15 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(ROWS.map((row) => [row.case, row] as const))('%s', async (_name, row) => {
    const dir = join(work, `row-${++rowCount}`);
    await mkdir(dir);
    await chmod(dir, 0o755);
    const lib = join(dir, 'lib');
    await cp(base, lib, { recursive: true });
    const fixture: Fixture = {
      dir,
      lib,
      write: async (name, content) => {
        const path = join(dir, name);
        await writeFile(path, content);
        return path;
      },
    };
    const before = await storeSnapshot(lib);
    const outcome = await row.run(fixture);
    expect(outcome.signal, `${row.command}: died of a signal; stderr: ${outcome.stderr}`).toBeNull();
    expect(outcome.stderr, `${row.command}: a stack trace on stderr`).not.toMatch(STACK_LINE);
    expect(outcome.status, `${row.command}: stderr: ${outcome.stderr}`).toBe(row.status);
    const told = row.http === true ? outcome.stdout : outcome.stderr;
    if (row.message === null) expect(told).toBe('');
    else expect(told).toMatch(row.message);
    await row.check?.(outcome, fixture);
    makeWritable(lib);
    const after = row.segmentsAfter ?? BASE_COUNT;
    expect(segmentCount(lib), `${row.command}: segments after`).toBe(after);
    if (after === BASE_COUNT) expect(await storeSnapshot(lib), `${row.command}: the store changed`).toEqual(before);
  });
});
