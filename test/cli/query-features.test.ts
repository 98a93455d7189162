import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildLibraryWithCli } from '../helpers/cli-library.js';
import { type ExactRules, exactClips, exactVideos, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

const DIM = 12;

/** 12 videos of 6 to 11 clips, metadata and a source file per video. */
const SEGMENTS: JsonlSegment[] = Array.from({ length: 12 }, (_, v) =>
  clipSegments(`video-${v}`, 6 + (v % 6), DIM, v + 1, {
    source: `/clips/take-${v}.mp4`,
    metadata: { collection: v % 3 === 0 ? 'nature' : 'city', rating: v % 5 },
  }),
).flat();
const QUERY = testVector(DIM, 31337);

interface Hit {
  rank: number;
  video_id: string;
  start: number;
  end: number;
  score: number;
  confidence: string;
  embedding_option: string;
  clips?: Hit[];
}
interface Response {
  data: Hit[];
  page_info: { limit_per_page: number; total_results: number; next_page_token?: string; prev_page_token?: string };
}

let work: string;
let lib: string;
let vectorFile: string;

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  work = suiteDir();
  vectorFile = join(work, 'query.json');
  await writeFile(vectorFile, JSON.stringify(QUERY));
  lib = await buildLibraryWithCli(work, 'lib', SEGMENTS, 'custom-12');
});

function query(...args: string[]): Response {
  const result = runCli(['query', '--lib', lib, '--vector', vectorFile, '--json', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Response;
}

function page(token: string): Response {
  const result = runCli(['query', '--lib', lib, '--page-token', token, '--json']);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Response;
}

const keys = (response: Response): string[] => response.data.map((hit) => hitKey(hit));
const exactKeys = (rules: ExactRules, limit = 50): string[] =>
  exactClips(SEGMENTS, [QUERY], rules)
    .slice(0, limit)
    .map((hit) => hit.key);
const metadata = (segment: JsonlSegment): { collection: string; rating: number } =>
  segment['metadata'] as { collection: string; rating: number };

describe('vsearch query: search API parity flags', () => {
  it('--filter keeps the exact filtered ranking', () => {
    const response = query('--filter', '{"collection": "nature", "rating": {"gte": 1}}', '--limit', '50');
    const allow = (s: JsonlSegment): boolean => metadata(s).collection === 'nature' && metadata(s).rating >= 1;
    expect(keys(response)).toEqual(exactKeys({ allow }));
    expect(response.page_info.total_results).toBe(exactClips(SEGMENTS, [QUERY], { allow }).length);
    const byName = query('--filter', '{"filename": "take-4.mp4", "id": ["video-4", "video-5"]}', '--limit', '50');
    expect(keys(byName)).toEqual(exactKeys({ allow: (s) => s.video_id === 'video-4' }));
  });

  it('--threshold keeps hits of that confidence or better', () => {
    const response = query('--threshold', 'medium', '--limit', '50');
    expect(keys(response)).toEqual(exactKeys({ floor: 0.15 }));
    expect(response.data.every((hit) => hit.confidence === 'medium' || hit.confidence === 'high')).toBe(true);
    expect(response.page_info.total_results).toBe(exactClips(SEGMENTS, [QUERY], { floor: 0.15 }).length);
  });

  it('--merge-adjacent merges consecutive matching clips', () => {
    const response = query('--merge-adjacent', '--min-score', '0.1', '--limit', '50');
    const exact = exactClips(SEGMENTS, [QUERY], { floor: 0.1, mergeAdjacent: true });
    expect(response.data.map((hit) => `${hitKey(hit)}-${hit.end}`)).toEqual(
      exact.map((hit) => `${hit.key}-${hit.end}`),
    );
    expect(response.data.some((hit) => hit.end - hit.start > 6)).toBe(true);
  });

  it('--page-token walks every page: the exact list, no duplicate, no gap', () => {
    const first = query('--filter', '{"collection": "city"}', '--limit', '7');
    const exact = exactKeys({ allow: (s) => metadata(s).collection === 'city' }, 1000);
    expect(first.page_info.total_results).toBe(exact.length);
    const pages = [first];
    for (
      let token = first.page_info.next_page_token;
      token !== undefined;
      token = pages[pages.length - 1]?.page_info.next_page_token
    )
      pages.push(page(token));
    expect(pages.length).toBe(Math.ceil(exact.length / 7));
    expect(pages.flatMap(keys)).toEqual(exact);
    expect(pages.flatMap((p) => p.data.map((hit) => hit.rank))).toEqual(exact.map((_, i) => i + 1));
    const back = page(pages[2]?.page_info.prev_page_token as string);
    expect(keys(back)).toEqual(keys(pages[1] as Response));
  });

  it('pages videos with --group-by video', () => {
    const first = query('--group-by', 'video', '--limit', '5');
    const second = page(first.page_info.next_page_token as string);
    const third = page(second.page_info.next_page_token as string);
    expect(third.page_info.next_page_token).toBeUndefined();
    expect([...first.data, ...second.data, ...third.data].map((hit) => hit.video_id)).toEqual(
      exactVideos(SEGMENTS, [QUERY], { floor: 0 }).map((video) => video.video),
    );
  });

  it('prints one line per hit and the next page token on stderr in human mode', () => {
    const result = runCli(['query', '--lib', lib, '--vector', vectorFile, '--limit', '3']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(3);
    const token = /next page: vsearch query --page-token (\S+)/.exec(result.stderr)?.[1];
    expect(token).toBeDefined();
    const next = runCli(['query', '--lib', lib, '--page-token', token as string]);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/^ {2}4 {2}video-/);
  });

  it.each([
    [['--filter', '{"duration": {"over": 3}}'], /--filter: filter field "duration": unknown operator\(s\) over/],
    [['--filter', 'duration>3'], /--filter: the filter is not valid JSON/],
    [['--filter', '["video-1"]'], /--filter: the filter must be a JSON object/],
    [['--filter', '{"id": 7}'], /--filter: filter field "id" takes a video id/],
    [['--threshold', 'extreme'], /--threshold must be one of high, medium, low, none/],
  ])('exits 2 on %j', (args, message) => {
    const result = runCli(['query', '--lib', lib, '--vector', vectorFile, ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on an invalid page token', () => {
    const result = runCli(['query', '--lib', lib, '--page-token', 'garbage']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/search_page_token_expired: .*invalid/);
  });

  it('exits 2 on a token from before an import, saying to search again', async () => {
    const token = query('--limit', '2').page_info.next_page_token as string;
    expect(runCli(['query', '--lib', lib, '--page-token', token]).status).toBe(0);
    const more = await writeJsonl(work, 'more.jsonl', clipSegments('video-new', 3, DIM, 99));
    expect(runCli(['build', '--lib', lib, '--from', more, '--model', 'custom-12']).status).toBe(0);
    const result = runCli(['query', '--lib', lib, '--page-token', token]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/search_page_token_expired: .*library changed.*search again/);
  });
});
