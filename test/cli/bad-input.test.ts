import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testVector } from '../helpers/segments.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

const SAMPLE = join(PROJECT_ROOT, 'data', 'marengo27-aws-sample');
let work: string;
let lib: string;

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path, `${prefix}${entry.name}/`);
      else
        out[`${prefix}${entry.name}`] = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
    }
  };
  await walk(dir, '');
  return out;
}

const segment = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({ video_id: 'new', start_sec: 0, end_sec: 6, embedding: testVector(1024, 5), ...overrides });

/** Writes a file into the work dir and returns its path. */
async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(work, name);
  await writeFile(path, content);
  return path;
}

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  work = suiteDir();
  lib = join(work, 'lib');
  const built = runCli(['build', '--lib', lib, '--from', join(SAMPLE, 'segments.jsonl')]);
  expect(built.status, built.stderr).toBe(0);
  const other = join(work, 'v2-lib');
  await mkdir(join(other, 'segments'), { recursive: true });
  const manifest = JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(other, 'manifest.json'), JSON.stringify({ ...manifest, version: 2 }));
});

type Case = [name: string, args: () => Promise<string[]>, message: RegExp];

const cases: Case[] = [
  [
    'a segment of the wrong dimension',
    async () => ['build', '--from', await file('dim.jsonl', segment({ embedding: testVector(512, 1) }))],
    /dim\.jsonl:1: the embedding has 512 dimensions but the library has 1024/,
  ],
  [
    'an infinite value',
    async () => [
      'build',
      '--from',
      await file('inf.jsonl', segment().replace(/^(\{.*"embedding":\[)[^,]+/, '$11e999')),
    ],
    /inf\.jsonl:1: embedding value 0 is not a finite number \(Infinity\)/,
  ],
  [
    'a NaN written as a string',
    async () => ['build', '--from', await file('nan.jsonl', segment({ embedding: ['NaN', ...testVector(1023, 1)] }))],
    /nan\.jsonl:1: embedding value 0 is not a finite number \(NaN\)/,
  ],
  [
    'start >= end',
    async () => [
      'build',
      '--from',
      await file('order.jsonl', `${segment()}\n${segment({ start_sec: 9, end_sec: 3 })}\n`),
    ],
    /order\.jsonl:2: start_sec \(9\) must be less than end_sec \(3\)/,
  ],
  [
    'a zero vector',
    async () => ['build', '--from', await file('zero.jsonl', segment({ embedding: new Array(1024).fill(0) }))],
    /zero\.jsonl:1: the embedding is a zero vector/,
  ],
  [
    'a segment without video_id',
    async () => ['build', '--from', await file('noid.jsonl', segment({ video_id: undefined }))],
    /noid\.jsonl:1: the segment has no video_id/,
  ],
  ['an empty file', async () => ['build', '--from', await file('empty.jsonl', '')], /empty\.jsonl: the file is empty/],
  [
    'a JSONL line that is not JSON',
    async () => ['build', '--from', await file('broken.jsonl', `${segment()}\n{"video_id": \n`)],
    /broken\.jsonl:2: the line is not valid JSON/,
  ],
  [
    'a truncated Arrow file',
    async () => {
      const bytes = await readFile(join(lib, 'segments', (await readdir(join(lib, 'segments')))[0] as string));
      return ['build', '--from', await file('cut.arrow', bytes.subarray(0, Math.floor(bytes.length / 2)))];
    },
    /cut\.arrow: not a readable Arrow IPC file \(truncated or corrupt\)/,
  ],
  [
    'a file type it cannot import',
    async () => ['build', '--from', await file('x.csv', 'a,b\n')],
    /x\.csv: cannot import this kind of file/,
  ],
  [
    'a --from file that does not exist',
    async () => ['build', '--from', join(work, 'nope.jsonl')],
    /nope\.jsonl: cannot read the file \(ENOENT\)/,
  ],
  [
    "a model other than the library's",
    async () => ['build', '--model', 'marengo3.0', '--from', await file('m.jsonl', segment())],
    /marengo3\.0 embeddings have 512 dimensions but these have 1024|the library says/,
  ],
  [
    '--metadata that is not a JSON object',
    async () => ['build', '--metadata', '[1]', '--from', await file('ok.jsonl', segment())],
    /--metadata must be a JSON object/,
  ],
  ['build with nothing to build', async () => ['build'], /nothing to build/],
  [
    'an unknown video in --like',
    async () => ['query', '--like', 'nobody.mp4'],
    /--like: no video "nobody\.mp4" in this library/,
  ],
  [
    '--like with a bad time',
    async () => ['query', '--like', 'island.mp4@soon'],
    /--like takes VIDEO_ID or VIDEO_ID@SECONDS/,
  ],
  [
    '--limit 0',
    async () => ['query', '--like', 'island.mp4', '--limit', '0'],
    /--limit must be an integer from 1 to 50, got "0"/,
  ],
  [
    '--limit 51',
    async () => ['query', '--like', 'island.mp4', '--limit', '51'],
    /--limit must be an integer from 1 to 50, got "51"/,
  ],
  [
    'a --vector file of the wrong dimension',
    async () => ['query', '--vector', await file('q512.json', JSON.stringify(testVector(512, 1)))],
    /the query vector has 512 dimensions but the library holds 1024-d/,
  ],
  [
    'a --vector file that is not JSON',
    async () => ['query', '--vector', await file('q.json', 'not json')],
    /q\.json: the vector file is not valid JSON/,
  ],
  [
    'an unknown search option',
    async () => ['query', '--like', 'island.mp4', '--search-options', 'smell'],
    /unknown search option\(s\) smell/,
  ],
  [
    'an unknown --group-by',
    async () => ['query', '--like', 'island.mp4', '--group-by', 'scene'],
    /--group-by must be clip or video/,
  ],
  [
    'a --min-score that is not a number',
    async () => ['query', '--like', 'island.mp4', '--min-score', 'high'],
    /--min-score must be a number/,
  ],
  [
    'a --search-options the library has no segments of',
    async () => ['query', '--like', 'island.mp4', '--search-options', 'transcription'],
    /no transcription segments \(it holds visual-text\); drop --search-options/,
  ],
  [
    'a --min-score out of range',
    async () => ['query', '--like', 'island.mp4', '--min-score', '2'],
    /--min-score is a cosine similarity from -1 to 1, got 2/,
  ],
  ['a query with nothing to search by', async () => ['query'], /no query given: pass query text, --image/],
  [
    'an --offline text query that is not cached',
    async () => ['query', 'a robin', '--offline'],
    /not in the query cache and --offline forbids calling the API; .* or search with --vector or --like$/m,
  ],
  [
    'a text query that is not cached',
    async () => ['query', 'a robin'],
    /not in the query cache; embedding it needs the TwelveLabs API: set TWELVELABS_API_KEY/,
  ],
  ['an unknown flag', async () => ['query', '--colour', 'red'], /unknown option '--colour'/],
  ['rm of an unknown video', async () => ['rm', 'nobody.mp4'], /no video "nobody\.mp4" in this library/],
];

describe('bad input: exit 2, a message that says what and where, and an unchanged library', () => {
  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', async (_name, args, message) => {
    const before = await snapshot(lib);
    const result = runCli([...(await args()), '--lib', lib]);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(await snapshot(lib)).toEqual(before);
  });

  it('a missing library', async () => {
    const result = runCli(['query', '--like', 'x', '--lib', join(work, 'absent')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no vsearch library at .*absent \(manifest\.json is missing\)/);
  });

  it('a --clip-length out of range, refused before any media is sent', async () => {
    const before = await snapshot(lib);
    const env = { TWELVELABS_API_KEY: 'tlk_test', TWELVELABS_BASE_URL: 'http://127.0.0.1:9/v1.3' };
    const result = runCli(['build', SAMPLE, '--clip-length', '1', '--lib', lib], env);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/--clip-length must be from 2 to 10 seconds, got 1/);
    expect(await snapshot(lib)).toEqual(before);
  });

  it('a library of another format version', async () => {
    const other = join(work, 'v2-lib');
    const before = await snapshot(other);
    const result = runCli(['stats', '--lib', other]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/library format version 2, but this vsearch reads version 1/);
    expect(await snapshot(other)).toEqual(before);
  });

  it('never prints a stack trace for bad input', async () => {
    const result = runCli(['query', '--limit', 'x', '--like', 'island.mp4', '--lib', lib]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
