import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClipHit, SearchResponse, VideoHit } from '../../src/query/index.js';
import { SegmentStore } from '../../src/store/index.js';
import { API_KEY, MEDIA_SAMPLES, testScenario } from '../build/emulator-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { useEmulator } from '../helpers/emulator.js';
import { cosine } from '../helpers/exact-search.js';
import { writeJsonl } from '../helpers/segments.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';

/** Issue 11 part 5 through the real CLI, on media task-embedded by the emulator (clip and asset scopes). */
const tempDir = useTempDirs();
const emu = useEmulator({ apiKey: API_KEY, taskDelayMs: 50, seed: 5, scenario: testScenario() });
let lib: string;
/** The built library, kept for the whole file (temp dirs of useTempDirs go after each test). */
let shared: string;
let rows: StoredRow[];

interface StoredRow {
  video: string;
  start: number;
  end: number;
  option: string;
  scope: string;
  vector: number[];
}

async function storedRows(dir: string): Promise<StoredRow[]> {
  const store = await SegmentStore.open(dir);
  const out: StoredRow[] = [];
  for (const file of await store.allFiles()) {
    for (let r = 0; r < file.count; r++) {
      out.push({
        video: file.string('video_id', r),
        start: file.startSec[r] as number,
        end: file.endSec[r] as number,
        option: file.string('embedding_option', r),
        scope: file.string('embedding_scope', r),
        vector: [...file.vector(r)],
      });
    }
  }
  return out;
}

const keyOf = (hit: { video_id: string; start: number; end: number; embedding_option: string }): string =>
  `${hit.video_id}@${hit.start}-${hit.end}/${hit.embedding_option}`;

/** An exact scan of the clip rows: one per (video, start, end, option), best first. */
function exactClipKeys(query: readonly number[], leaveOut: (row: StoredRow) => boolean = () => false): string[] {
  const best = new Map<string, number>();
  for (const row of rows) {
    if (row.scope !== 'clip' || leaveOut(row)) continue;
    const key = `${row.video}@${row.start}-${row.end}/${row.option}`;
    best.set(key, Math.max(best.get(key) ?? Number.NEGATIVE_INFINITY, cosine(row.vector, query)));
  }
  return [...best].sort((a, b) => b[1] - a[1]).map(([key]) => key);
}

function queryJson(...args: string[]): SearchResponse {
  const result = runCli(['query', '--lib', lib, '--json', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as SearchResponse;
}

/** A query near a stored clip of test-card-16x9.avi, nudged so no row scores 1. */
async function queryFile(): Promise<{ path: string; vector: number[] }> {
  const seed = rows.find((row) => row.video === 'test-card-16x9.avi' && row.scope === 'clip') as StoredRow;
  const vector = seed.vector.map((x, i) => x + (i % 7 === 0 ? 0.05 : -0.01));
  const path = join(await tempDir(), 'query.json');
  await writeFile(path, JSON.stringify(vector));
  return { path, vector };
}

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  shared = suiteDir();
  lib = join(shared, 'lib');
  const built = await runCliAsync(['build', MEDIA_SAMPLES, '--lib', lib, '--clip-length', '2', '--json'], {
    TWELVELABS_API_KEY: API_KEY,
    TWELVELABS_BASE_URL: emu().baseUrl,
  });
  expect(built.status, built.stderr).toBe(0);
  rows = await storedRows(lib);
}, 120_000);

describe('result lists on media built through the emulator', () => {
  it('holds whole-video rows beside the clips (the case these rules are for)', () => {
    expect(rows.some((row) => row.scope === 'asset' || row.scope === 'video')).toBe(true);
    expect(rows.some((row) => row.scope === 'clip')).toBe(true);
  });

  it('a clip search returns each clip once, clips only, all pages, with an exact total', async () => {
    const { path, vector } = await queryFile();
    const first = queryJson('--vector', path, '--limit', '4');
    const hits: ClipHit[] = [...(first.data as ClipHit[])];
    for (let token = first.page_info.next_page_token; token !== undefined; ) {
      const page = queryJson('--page-token', token);
      hits.push(...(page.data as ClipHit[]));
      token = page.page_info.next_page_token;
    }
    const exact = exactClipKeys(vector);
    expect(hits.map(keyOf)).toEqual(exact);
    expect(hits.every((hit) => hit.embedding_scope === 'clip')).toBe(true);
    expect(first.page_info.total_results).toBe(exact.length);
  });

  it("--merge-adjacent merges bbb-3sec.mp4's consecutive clips despite its asset-scope rows", async () => {
    const { path } = await queryFile();
    const response = queryJson('--vector', path, '--merge-adjacent', '--filter', '{"id": ["bbb-3sec.mp4"]}');
    const options = new Set(
      rows.filter((row) => row.video === 'bbb-3sec.mp4' && row.scope === 'clip').map((row) => row.option),
    );
    const duration = Math.max(...rows.filter((row) => row.video === 'bbb-3sec.mp4').map((row) => row.end));
    expect(response.data.map((hit) => [hit.start, hit.end])).toEqual([...options].map(() => [0, duration]));
    expect(response.page_info.total_results).toBe(options.size);
  });

  it('--like leaves out the segment and its same-vector twins, and no hit scores 1', () => {
    const response = queryJson('--like', 'bbb-3sec.mp4@2.5', '--limit', '50');
    const seed = rows.find(
      (row) => row.video === 'bbb-3sec.mp4' && row.scope === 'clip' && row.start <= 2.5 && 2.5 < row.end,
    ) as StoredRow;
    const same = (row: StoredRow): boolean =>
      row.video === seed.video &&
      row.start === seed.start &&
      row.end === seed.end &&
      cosine(row.vector, seed.vector) > 0.999999;
    expect(response.data.every((hit) => hit.score < 0.9999)).toBe(true);
    expect(response.data.map(keyOf)).toEqual(exactClipKeys(seed.vector, same));
  });

  it('--group-by video lists clips only, at most 10, none below 0, best first', async () => {
    const { path, vector } = await queryFile();
    const response = queryJson('--vector', path, '--group-by', 'video', '--limit', '50');
    const videos = response.data as VideoHit[];
    expect(videos.length).toBeGreaterThan(0);
    for (const video of videos) {
      const expected = exactClipKeys(
        vector,
        (row) => row.video !== video.video_id || cosine(row.vector, vector) < 0,
      ).slice(0, 10);
      expect(video.clips.map(keyOf)).toEqual(expected);
      expect(video.clips.every((clip) => clip.embedding_scope === 'clip' && clip.score >= 0)).toBe(true);
    }
  });
});

describe('result lists on an import holding video and clip scopes', () => {
  it('shows the scope on each human line when a whole-video vector ranks a video, and JSON carries embedding_scope', async () => {
    const dir = await tempDir();
    const imported = join(dir, 'lib');
    const axis = (i: number, x = 1): number[] => Array.from({ length: 4 }, (_, j) => (j === i ? x : j === 0 ? 0.2 : 0));
    const file = await writeJsonl(dir, 'mixed.jsonl', [
      { video_id: 'a.mp4', start_sec: 0, end_sec: 6, embedding: axis(1), embedding_scope: 'clip' },
      { video_id: 'a.mp4', start_sec: 6, end_sec: 12, embedding: axis(2), embedding_scope: 'clip' },
      { video_id: 'a.mp4', start_sec: 0, end_sec: 12, embedding: axis(3), embedding_scope: 'video' },
      { video_id: 'b.mp4', start_sec: 0, end_sec: 6, embedding: axis(1, 0.5), embedding_scope: 'clip' },
    ]);
    expect(runCli(['build', '--lib', imported, '--from', file, '--model', 'custom-4']).status).toBe(0);
    const query = join(dir, 'q.json');
    await writeFile(query, JSON.stringify([0, 0.3, 0, 1]));
    const clips = runCli(['query', '--lib', imported, '--vector', query, '--json']);
    const clipResponse = JSON.parse(clips.stdout) as SearchResponse;
    expect(clipResponse.data.map((hit) => [hit.video_id, hit.start, hit.end, hit.embedding_scope])).toEqual([
      ['a.mp4', 0, 6, 'clip'],
      ['b.mp4', 0, 6, 'clip'],
      ['a.mp4', 6, 12, 'clip'],
    ]);
    const grouped = runCli(['query', '--lib', imported, '--vector', query, '--group-by', 'video']);
    expect(grouped.status, grouped.stderr).toBe(0);
    const lines = grouped.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+1\s+a\.mp4\s+.*\s+video$/);
    expect(lines.slice(1).every((line) => /\sclip$/.test(line) || /\sb\.mp4\s/.test(line))).toBe(true);
    const human = runCli(['query', '--lib', imported, '--vector', query]);
    expect(human.stdout).not.toMatch(/\s(clip|video)$/m);
  });
});
