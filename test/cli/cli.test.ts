import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeBuildVerdict } from '../../src/index/hnswlib-binding.js';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SAMPLE = join(PROJECT_ROOT, 'data', 'marengo27-aws-sample');

describe('the vsearch binary', () => {
  it('builds, queries, reports and removes, in the documented shapes', async () => {
    const lib = join(await tempDir(), 'lib');
    const built = runCli(['build', '--lib', lib, '--from', join(SAMPLE, 'segments.jsonl'), '--json']);
    expect(built.status, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({
      imported: { segments: 6, videos: 2, model: 'Marengo-retrieval-2.7' },
      library: { segments: 6 },
    });

    const query = runCli([
      'query',
      '--lib',
      lib,
      '--vector',
      join(SAMPLE, 'queries', 'image-ocean.json'),
      '--limit',
      '3',
      '--json',
    ]);
    expect(query.status, query.stderr).toBe(0);
    const response = JSON.parse(query.stdout) as Record<string, unknown> & { data: Record<string, unknown>[] };
    expect(Object.keys(response).sort()).toEqual(['data', 'page_info', 'search_pool']);
    expect(response.data).toHaveLength(3);
    expect(Object.keys(response.data[0] ?? {}).sort()).toEqual([
      'confidence',
      'embedding_option',
      'embedding_scope',
      'end',
      'metadata',
      'rank',
      'score',
      'start',
      'video_id',
    ]);
    expect(response.data[0]).toMatchObject({
      rank: 1,
      video_id: 'island.mp4',
      start: 6,
      end: 12,
      embedding_option: 'visual-text',
    });
    // total_results counts every result across pages (all 6 segments), so there is a next page.
    expect(response['page_info']).toEqual({
      limit_per_page: 3,
      total_results: 6,
      next_page_token: expect.any(String),
      page_expires_at: expect.any(String),
    });
    expect(response['search_pool']).toMatchObject({ total_count: 2, total_duration: expect.closeTo(33.087732, 5) });

    const human = runCli([
      'query',
      '--lib',
      lib,
      '--vector',
      join(SAMPLE, 'queries', 'image-ocean.json'),
      '--limit',
      '2',
    ]);
    expect(human.stdout).toMatch(
      /^ {2}1 {2}island\.mp4 {2}00:06-00:12 {2}0\.6\d{3} {2}high {2}visual-text\n {2}2 {2}island\.mp4 {2}00:00-00:06 {2}0\.6\d{3} {2}high {2}visual-text\n$/,
    );

    const stats = runCli(['stats', '--lib', lib, '--json']);
    const parsed = JSON.parse(stats.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual([
      'bytes',
      'dimension',
      'hnswlib',
      'index',
      'index_id',
      'memory',
      'model',
      'segments',
      'total_duration',
      'videos',
    ]);
    expect(parsed).toMatchObject({
      videos: 2,
      segments: 6,
      dimension: 1024,
      model: 'Marengo-retrieval-2.7',
      index: { M: 16, efConstruction: 100, count: 6 },
    });
    expect(parsed['bytes']).toBeGreaterThan(6 * 1024 * 4);
    // The human report says which hnswlib-node build the process runs, and why.
    const expectedBuild = nativeBuildVerdict().usable
      ? /^hnswlib {5}native build \(compiled for this CPU with .+\)$/m
      : /^hnswlib {5}stock build \(.+\)$/m;
    expect(runCli(['stats', '--lib', lib]).stdout).toMatch(expectedBuild);
    expect(runCli(['stats', '--lib', lib], { VSEARCH_NATIVE_HNSWLIB: '0' }).stdout).toMatch(
      /^hnswlib {5}stock build \(VSEARCH_NATIVE_HNSWLIB=0\)$/m,
    );

    const removed = runCli(['rm', 'island.mp4', '--lib', lib, '--json']);
    expect(JSON.parse(removed.stdout)).toEqual({ video_id: 'island.mp4', removed_segments: 2 });
    const after = JSON.parse(
      runCli(['query', '--lib', lib, '--vector', join(SAMPLE, 'queries', 'image-ocean.json'), '--json']).stdout,
    ) as { data: { video_id: string }[] };
    expect(after.data.map((hit) => hit.video_id)).toEqual([
      'robin-bird.mp4',
      'robin-bird.mp4',
      'robin-bird.mp4',
      'robin-bird.mp4',
    ]);
  });

  it('reads the library from VSEARCH_LIB', async () => {
    const lib = join(await tempDir(), 'lib');
    expect(runCli(['build', '--from', join(SAMPLE, 'segments.jsonl')], { VSEARCH_LIB: lib }).status).toBe(0);
    const stats = JSON.parse(runCli(['stats', '--json'], { VSEARCH_LIB: lib }).stdout) as { segments: number };
    expect(stats.segments).toBe(6);
  });

  it('prints help and exits 0', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/build/);
    expect(help.stdout).toMatch(/query/);
  });

  it('prints the package version for --version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const printed = runCli(['--version']);
    expect(printed.status).toBe(0);
    expect(printed.stdout.trim()).toBe(version);
  });
});
