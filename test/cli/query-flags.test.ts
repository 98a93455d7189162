import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SAMPLE = join(PROJECT_ROOT, 'data', 'marengo27-aws-sample');
const MEDIA = join(PROJECT_ROOT, 'data', 'media-samples');
const OCEAN = join(SAMPLE, 'queries', 'image-ocean.json');

let libDir: string;
let lib: string;
const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  libDir = suiteDir();
  lib = join(libDir, 'lib');
  const built = runCli(['build', '--lib', lib, '--from', join(SAMPLE, 'segments.jsonl')]);
  expect(built.status, built.stderr).toBe(0);
});

const tokenAfter = (stderr: string, label: string): string | undefined =>
  new RegExp(`^${label}: vsearch query --page-token (\\S+) --lib (\\S+)$`, 'm').exec(stderr)?.[1];

describe('vsearch query --page-token', () => {
  it('prints the previous and the next page tokens, each with the --lib it was given, and they walk the pages', () => {
    const first = runCli(['query', '--lib', lib, '--vector', OCEAN, '--limit', '2']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/^previous page/m);
    const next = tokenAfter(first.stderr, 'next page');
    expect(next).toBeDefined();
    expect(first.stderr).toContain(`--lib ${lib}`);

    const second = runCli(['query', '--lib', lib, '--page-token', next ?? '']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^ {2}3 /);
    const prev = tokenAfter(second.stderr, 'previous page');
    expect(prev).toBeDefined();
    expect(tokenAfter(second.stderr, 'next page')).toBeDefined();
    const back = runCli(['query', '--lib', lib, '--page-token', prev ?? '']);
    expect(back.stdout).toBe(first.stdout);
  });

  it.each([
    [['--limit', '5'], /cannot be combined with --limit/],
    [['--group-by', 'video', '--min-score', '0.1'], /cannot be combined with --group-by, --min-score/],
    [['--filter', '{"id": "island.mp4"}'], /cannot be combined with --filter/],
    [['--vector', OCEAN], /cannot be combined with --vector/],
    [['--merge-adjacent'], /cannot be combined with --merge-adjacent/],
    [['other text'], /--page-token replays its own search, so it takes no query text \(got "other text"\)/],
  ])('refuses %j beside a token (exit 2, naming it)', (extra, message) => {
    const first = runCli(['query', '--lib', lib, '--vector', OCEAN, '--limit', '2']);
    const token = tokenAfter(first.stderr, 'next page') ?? '';
    const result = runCli(['query', '--lib', lib, '--page-token', token, ...extra]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('vsearch query --vector -', () => {
  it('reads the vector from stdin and answers as from the file', async () => {
    const fromFile = runCli(['query', '--lib', lib, '--vector', OCEAN, '--json']);
    const stdin = spawnSync(process.execPath, [CLI, 'query', '--lib', lib, '--vector', '-', '--json'], {
      input: await readFile(OCEAN),
      encoding: 'utf8',
      env: { ...process.env, VSEARCH_LIB: '' },
      timeout: 120_000,
    });
    expect(stdin.status, stdin.stderr).toBe(0);
    const data = (text: string): unknown => (JSON.parse(text) as { data: unknown }).data;
    expect(data(stdin.stdout)).toEqual(data(fromFile.stdout));
  });

  it('names stdin when what it reads is not a vector', () => {
    const result = spawnSync(process.execPath, [CLI, 'query', '--lib', lib, '--vector', '-'], {
      input: '[0.1, 0.2',
      encoding: 'utf8',
      env: { ...process.env, VSEARCH_LIB: '' },
      timeout: 120_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/stdin: the vector file is not valid JSON/);
  });
});

describe('vsearch query checks a media query by its first bytes', () => {
  it.each([
    [
      '--image',
      join(PROJECT_ROOT, 'README.md'),
      /README\.md: not usable as --image: its first bytes match no image format .*; it looks like text/,
    ],
    [
      '--audio',
      join(MEDIA, 'test-card-16x9.avi'),
      /not usable as --audio: its content is video \(avi\), not an audio: give it as a video query/,
    ],
    [
      '--video',
      join(MEDIA, 'test-tone.wav'),
      /not usable as --video: its content is audio \(wav\), not a video: give it as an audio query/,
    ],
    ['--image', join(MEDIA, 'bbb-3sec.mp4'), /not usable as --image: its content is video \(mp4\)/],
  ])('refuses %s %s (exit 2) before any call', (flag, file, message) => {
    // An API key and a base URL nothing listens on: a query that got past the check would fail otherwise (exit 1).
    const result = runCli(['query', '--lib', lib, flag, file], {
      TWELVELABS_API_KEY: 'k',
      TWELVELABS_BASE_URL: 'http://127.0.0.1:9/v1.3',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('lets through a file whose bytes match its flag, whatever its name', async () => {
    const png = join(await tempDir(), 'frame.dat');
    await writeFile(
      png,
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]),
    );
    const result = runCli(['query', '--lib', lib, '--image', png, '--offline']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/image query .*frame\.dat is not in the query cache/);
  });
});
