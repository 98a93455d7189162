import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildLibraryWithCli } from '../helpers/cli-library.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector } from '../helpers/segments.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

const DIM = 12;
const EVIL = 'evil\u001b[31m\nfake-line';
const SEGMENTS: JsonlSegment[] = [
  ...clipSegments('video-1', 12, DIM, 1, { source: '/clips/one.mp4', metadata: { collection: 'city', rating: 3 } }),
  ...clipSegments('video-1', 2, DIM, 5, {
    source: '/clips/one.mp4',
    embedding_option: 'audio',
    metadata: { collection: 'city', rating: 3 },
  }),
  ...clipSegments('video-2', 3, DIM, 2, { source: '/clips/two.mp4', metadata: { collection: 'nature' } }),
  ...clipSegments(EVIL, 1, DIM, 3, { source: '/clips/evil.mp4' }),
];
const QUERY = testVector(DIM, 4242);

interface Video {
  video_id: string;
  filename: string;
  segments: number;
  duration: number;
  embedding_options: string[];
  metadata: Record<string, unknown>;
}
interface Detail extends Omit<Video, 'segments'> {
  segments: {
    start: number;
    end: number;
    embedding_option: string;
    embedding_scope: string;
    label: number;
    vector?: number[];
  }[];
}
interface Hit {
  video_id: string;
  start: number;
  embedding_option: string;
}

let work: string;
let base: string;
let vectorFile: string;
let copies = 0;

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  work = suiteDir();
  vectorFile = join(work, 'query.json');
  await writeFile(vectorFile, JSON.stringify(QUERY));
  base = await buildLibraryWithCli(work, 'base', SEGMENTS, 'custom-12');
});

/** A library of its own for a test that writes. */
async function copyOfBase(): Promise<string> {
  const lib = join(work, `copy-${++copies}`);
  await cp(base, lib, { recursive: true });
  return lib;
}

function json<T>(args: string[]): T {
  const result = runCli([...args, '--json']);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('vsearch videos', () => {
  it('prints one line per video: id, mm:ss, segments and options, with control characters escaped', () => {
    const result = runCli(['videos', '--lib', base]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^evil\\u001b\[31m\\nfake-line\s+00:06\s+1 segment\s+visual$/);
    expect(lines[1]).toMatch(/^video-1\s+01:12\s+14 segments\s+audio,visual$/);
    expect(lines[2]).toMatch(/^video-2\s+00:18\s+3 segments\s+visual$/);
    expect(result.stdout).not.toContain('\u001b');
  });

  it('--json lists every video with its exact id, sorted', () => {
    const videos = json<Video[]>(['videos', '--lib', base]);
    expect(videos.map((video) => video.video_id)).toEqual([EVIL, 'video-1', 'video-2']);
    expect(videos[1]).toMatchObject({
      filename: 'one.mp4',
      segments: 14,
      duration: 72,
      embedding_options: ['audio', 'visual'],
      metadata: { collection: 'city', rating: 3 },
    });
  });

  it('show gives the metadata and the segments, with --lib before or after `show`', () => {
    const detail = json<Detail>(['videos', 'show', 'video-2', '--lib', base]);
    expect(detail).toMatchObject({
      video_id: 'video-2',
      filename: 'two.mp4',
      duration: 18,
      metadata: { collection: 'nature' },
    });
    expect(detail.segments.map((s) => [s.start, s.end, s.embedding_option, s.embedding_scope])).toEqual([
      [0, 6, 'visual', 'clip'],
      [6, 12, 'visual', 'clip'],
      [12, 18, 'visual', 'clip'],
    ]);
    expect(detail.segments.every((s) => s.vector === undefined)).toBe(true);
    expect(json<Detail>(['videos', '--lib', base, 'show', 'video-2'])).toEqual(detail);
    const human = runCli(['videos', 'show', EVIL, '--lib', base]);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain('video       evil\\u001b[31m\\nfake-line\n');
    expect(human.stdout).not.toContain('\u001b');
  });

  it('an unknown id exits 2 and says how to list the ids', () => {
    const result = runCli(['videos', 'show', 'nope', '--lib', base]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no video "nope".*vsearch videos/);
  });

  it('rm of an unknown id sends the user to vsearch videos', () => {
    const result = runCli(['rm', 'nope', '--lib', base]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('`vsearch videos`');
  });
});

describe('vsearch meta', () => {
  const query = (lib: string, filter: string): Hit[] =>
    json<{ data: Hit[] }>(['query', '--lib', lib, '--vector', vectorFile, '--filter', filter, '--limit', '50']).data;

  it('--set merges keys that query --filter finds at once, as an exact scan does; null deletes a key', async () => {
    const lib = await copyOfBase();
    expect(query(lib, '{"topic": "bridges"}')).toEqual([]);
    const set = json<{ video_id: string; metadata: Record<string, unknown> }>([
      'meta',
      'video-2',
      '--set',
      '{"topic": "bridges", "collection": null}',
      '--lib',
      lib,
    ]);
    expect(set).toEqual({ video_id: 'video-2', metadata: { topic: 'bridges' } });
    const patched = SEGMENTS.map((s) => (s.video_id === 'video-2' ? { ...s, metadata: { topic: 'bridges' } } : s));
    const metaOf = (s: JsonlSegment): Record<string, unknown> =>
      (s['metadata'] as Record<string, unknown> | undefined) ?? {};
    const found = query(lib, '{"topic": "bridges"}');
    expect(found.map((hit) => hitKey(hit))).toEqual(
      exactClips(patched, [QUERY], { allow: (s) => metaOf(s)['topic'] === 'bridges' }).map((hit) => hit.key),
    );
    expect(found).toHaveLength(3);
    // The deleted key no longer matches.
    expect(query(lib, '{"collection": "nature"}')).toEqual([]);
    expect(json<Detail>(['videos', 'show', 'video-2', '--lib', lib]).metadata).toEqual({ topic: 'bridges' });
    // Other videos and every segment are as they were.
    expect(
      json<Video[]>(['videos', '--lib', lib]).map((video) => [video.video_id, video.segments, video.metadata]),
    ).toEqual([
      [EVIL, 1, {}],
      ['video-1', 14, { collection: 'city', rating: 3 }],
      ['video-2', 3, { topic: 'bridges' }],
    ]);
  });

  it('prints what it did in human form', async () => {
    const lib = await copyOfBase();
    const result = runCli(['meta', 'video-1', '--set', '{"rating": 5}', '--lib', lib]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('updated video-1 (14 segments): {"collection":"city","rating":5}');
  });

  it.each([
    ['bad JSON', ['video-1', '--set', '{"topic": '], /--set must be a JSON object/],
    ['a JSON array', ['video-1', '--set', '["x"]'], /--set must be a JSON object/],
    ['an unknown id', ['nope', '--set', '{"topic": "x"}'], /no video "nope".*vsearch videos/],
    ['no --set', ['video-1'], /required option '--set <json>'/],
  ])('%s exits 2 with nothing written', async (_case, args, message) => {
    const lib = await copyOfBase();
    const before = await readFile(join(lib, 'manifest.json'));
    const result = runCli(['meta', ...args, '--lib', lib]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await readFile(join(lib, 'manifest.json'))).toEqual(before);
  });
});
