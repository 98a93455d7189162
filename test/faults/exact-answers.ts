import { expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import type { JsonlSegment } from '../helpers/segments.js';

/**
 * Queries `lib` through the CLI with the vector in `queryFile` (top 50) and compares every hit,
 * in order and by score, with an exact scan of `segments`: what a fault table checks after each row.
 */
export function expectExactCliAnswers(
  fx: { lib: string; queryFile: string },
  query: readonly number[],
  segments: readonly JsonlSegment[],
): void {
  const result = runCli(['query', '--lib', fx.lib, '--vector', fx.queryFile, '--limit', '50', '--json']);
  expect(result.status, `exit ${String(result.status)}: ${result.stderr}`).toBe(0);
  expect(result.stderr).not.toMatch(/unexpected error|RangeError|ERR_FS_FILE_TOO_LARGE|\n\s+at /);
  const hits = (
    JSON.parse(result.stdout) as {
      data: Array<{ video_id: string; start: number; embedding_option: string; score: number }>;
    }
  ).data;
  const exact = exactClips(segments, [query]);
  expect(hits.map(hitKey)).toEqual(exact.slice(0, 50).map((hit) => hit.key));
  hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i]?.score ?? NaN, 5));
}
