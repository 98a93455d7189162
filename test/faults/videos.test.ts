import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { buildLibraryWithCli } from '../helpers/cli-library.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

/**
 * Fault table for video metadata updates (`vsearch meta`, issue 13 part 6): races with other
 * writers and damaged files. Every row runs the real CLI on its own copy of one library and
 * checks each exit code (a signal death gives null and fails), the message, that no segment
 * was lost, and that a filtered search answers as an exact scan over the expected metadata.
 */

const DIM = 12;
const MODEL = 'custom-12';
const SEGMENTS: JsonlSegment[] = [
  ...clipSegments('alpha', 5, DIM, 1, { metadata: { collection: 'city' } }),
  ...clipSegments('beta', 4, DIM, 2, { metadata: { collection: 'city' } }),
  ...clipSegments('gamma', 3, DIM, 3, { metadata: { collection: 'nature' } }),
];
const EXTRA: JsonlSegment[] = clipSegments('delta', 2, DIM, 4, { metadata: { collection: 'city' } });
const QUERY = testVector(DIM, 99);

interface Row {
  case: string;
  /** Damage done to the row's library before the command runs. */
  prepare?: (lib: string) => Promise<void>;
  /** The commands, run at once. */
  commands: (lib: string) => string[][];
  /** The exit code of each command. */
  exits: number[];
  /** A fragment the first command's stderr must hold, when it fails. */
  message?: RegExp;
  /** Whether the manifest must be byte for byte what it was. */
  unchanged: boolean;
  /** The segments the library must hold after (the exact scan's corpus, with their metadata). */
  expected: JsonlSegment[];
}

const withMeta = (segments: readonly JsonlSegment[], id: string, metadata: Record<string, unknown>): JsonlSegment[] =>
  segments.map((s) => (s.video_id === id ? { ...s, metadata } : s));

async function onlySegmentFile(lib: string): Promise<string> {
  const names = (await readdir(join(lib, 'segments'))).filter((name) => name.endsWith('.arrow'));
  expect(names).toHaveLength(1);
  return join(lib, 'segments', names[0] as string);
}

let work: string;
let base: string;
let extraFile: string;
let vectorFile: string;
let copies = 0;

const ROWS: Row[] = [
  {
    case: 'two meta updates of different videos at once (race for the write lock)',
    commands: (lib) => [
      ['meta', 'alpha', '--set', '{"topic": "a"}', '--lib', lib],
      ['meta', 'gamma', '--set', '{"topic": "g", "collection": null}', '--lib', lib],
    ],
    exits: [0, 0],
    unchanged: false,
    expected: withMeta(withMeta(SEGMENTS, 'alpha', { collection: 'city', topic: 'a' }), 'gamma', { topic: 'g' }),
  },
  {
    case: 'a meta update while another process imports a file (race for the write lock)',
    commands: (lib) => [
      ['meta', 'beta', '--set', '{"topic": "b"}', '--lib', lib],
      ['build', '--from', extraFile, '--model', MODEL, '--lib', lib],
    ],
    exits: [0, 0],
    unchanged: false,
    expected: [...withMeta(SEGMENTS, 'beta', { collection: 'city', topic: 'b' }), ...EXTRA],
  },
  {
    case: 'the label facts file (derived) is garbage: meta rebuilds it, the filter sees the update',
    prepare: async (lib) => writeFile(join(lib, 'index', 'facts.bin'), 'not facts'),
    commands: (lib) => [['meta', 'gamma', '--set', '{"topic": "g"}', '--lib', lib]],
    exits: [0],
    unchanged: false,
    expected: withMeta(SEGMENTS, 'gamma', { collection: 'nature', topic: 'g' }),
  },
  {
    case: 'the segment file holding the video is cut short',
    prepare: async (lib) => {
      const path = await onlySegmentFile(lib);
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 100));
    },
    commands: (lib) => [['meta', 'alpha', '--set', '{"topic": "a"}', '--lib', lib]],
    exits: [1],
    message: /segment file .* damaged|recorded \d+ bytes|is \d+ bytes/,
    unchanged: true,
    expected: SEGMENTS,
  },
  {
    case: 'a byte of the segment file holding the video is flipped (same size)',
    prepare: async (lib) => {
      const path = await onlySegmentFile(lib);
      const bytes = await readFile(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0xff;
      await writeFile(path, bytes);
    },
    commands: (lib) => [['meta', 'alpha', '--set', '{"topic": "a"}', '--lib', lib]],
    exits: [1],
    message: /does not match its sha256/,
    unchanged: true,
    expected: SEGMENTS,
  },
];

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  work = suiteDir();
  vectorFile = join(work, 'query.json');
  await writeFile(vectorFile, JSON.stringify(QUERY));
  extraFile = await writeJsonl(work, 'extra.jsonl', EXTRA);
  base = await buildLibraryWithCli(work, 'base', SEGMENTS, MODEL);
  // A first search writes the derived label facts file.
  expect(runCli(['query', '--lib', base, '--vector', vectorFile, '--json']).status).toBe(0);
});

const metadataOf = (segment: JsonlSegment): Record<string, unknown> =>
  (segment['metadata'] as Record<string, unknown> | undefined) ?? {};

describe('fault table: video metadata updates', () => {
  it.each(ROWS)('$case', async (row) => {
    const lib = join(work, `row-${++copies}`);
    await cp(base, lib, { recursive: true });
    await row.prepare?.(lib);
    const before = await readFile(join(lib, 'manifest.json'));
    const results: CliResult[] = await Promise.all(row.commands(lib).map((args) => runCliAsync(args)));
    expect(
      results.map((result) => result.status),
      results.map((result) => result.stderr).join('\n'),
    ).toEqual(row.exits);
    if (row.message !== undefined) expect(results[0]?.stderr).toMatch(row.message);
    for (const result of results) expect(result.stderr).not.toMatch(/^\s+at /m);
    if (row.unchanged) {
      expect(await readFile(join(lib, 'manifest.json'))).toEqual(before);
      return;
    }
    // No segment lost, and every video's metadata is what the row expects.
    const videos = JSON.parse(runCli(['videos', '--lib', lib, '--json']).stdout) as {
      video_id: string;
      segments: number;
      metadata: Record<string, unknown>;
    }[];
    const expectedIds = [...new Set(row.expected.map((s) => s.video_id))].sort();
    expect(videos.map((video) => video.video_id)).toEqual(expectedIds);
    for (const video of videos) {
      const own = row.expected.filter((s) => s.video_id === video.video_id);
      expect([video.segments, video.metadata]).toEqual([own.length, metadataOf(own[0] as JsonlSegment)]);
    }
    // A filter on every metadata value answers as an exact scan does.
    const values = new Set(
      row.expected.flatMap((s) =>
        Object.entries(metadataOf(s)).map(([key, value]) => JSON.stringify({ [key]: value })),
      ),
    );
    for (const filter of values) {
      const [[key, value]] = Object.entries(JSON.parse(filter) as Record<string, unknown>) as [[string, unknown]];
      const result = runCli([
        'query',
        '--lib',
        lib,
        '--vector',
        vectorFile,
        '--filter',
        filter,
        '--limit',
        '50',
        '--json',
      ]);
      expect(result.status, result.stderr).toBe(0);
      const hits = (
        JSON.parse(result.stdout) as { data: { video_id: string; start: number; embedding_option: string }[] }
      ).data;
      expect(
        hits.map((hit) => hitKey(hit)),
        filter,
      ).toEqual(
        exactClips(row.expected, [QUERY], { allow: (s) => metadataOf(s)[key] === value }).map((hit) => hit.key),
      );
    }
  });
});
