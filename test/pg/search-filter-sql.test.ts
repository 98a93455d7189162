import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { searchFilterSql } from '../../src/pg/search-filter-sql.js';
import { compileSearchFilter, filenameOf, type SearchFilter } from '../../src/query/search-filter.js';
import type { Metadata } from '../../src/types.js';
import { useConnectedTestDatabase } from './pg-server.js';

interface Row {
  videoId: string;
  source: string;
  metadata: Metadata;
}

const ROWS: Row[] = [
  { videoId: 'v1', source: '/media/a/dog.mp4', metadata: { genre: 'sport', year: 2020, live: true } },
  { videoId: 'v2', source: 'C:\\clips\\cat.mov', metadata: { genre: 'news', year: 2023.5 } },
  { videoId: 'v3', source: 'https://cdn.example/x/dog.mp4?sig=1#t=3', metadata: { genre: 'sport', year: '2021' } },
  { videoId: 'v4', source: 'dog.mp4', metadata: { genre: ['sport'], year: 1999, live: false } },
  { videoId: 'v5', source: '/m/b/bird.webm', metadata: {} },
];
const DURATIONS = new Map([
  ['v1', 30],
  ['v2', 61.5],
  ['v3', 120],
  ['v4', 5],
  ['v5', 60],
]);

const FILTERS: SearchFilter[] = [
  {},
  { id: 'v2' },
  { id: ['v1', 'v3', 'nope'] },
  { duration: 60 },
  { duration: { gte: 60 } },
  { duration: { gte: 10, lte: 61.5 } },
  { filename: 'dog.mp4' },
  { filename: 'cat.mov' },
  { genre: 'sport' },
  { genre: ['news', 'sport'] },
  { year: { gte: 2020 } },
  { year: { lte: 2021 } },
  { year: 2020 },
  { live: true },
  { live: false, genre: 'sport' },
  { genre: 'sport', duration: { lte: 60 }, filename: 'dog.mp4' },
];

describe('the search filter as SQL', () => {
  // A temporary table lives in its session: filled through the suite's one client, which the tests query.
  const { client } = useConnectedTestDatabase(async (connected) => {
    await connected.query('CREATE TEMP TABLE filter_rows (video_id text, source text, metadata jsonb)');
    for (const row of ROWS)
      await connected.query('INSERT INTO filter_rows VALUES ($1, $2, $3)', [row.videoId, row.source, row.metadata]);
  });

  it.each(FILTERS.map((filter) => [JSON.stringify(filter), filter] as const))(
    'selects what the local filter selects: %s',
    async (_, filter) => {
      const matches = compileSearchFilter(filter);
      const expected = ROWS.filter((row) =>
        matches({
          videoId: row.videoId,
          durationSec: DURATIONS.get(row.videoId) ?? 0,
          filename: filenameOf(row.source),
          metadata: row.metadata,
        }),
      ).map((row) => row.videoId);
      const condition = searchFilterSql(filter, { durations: DURATIONS }, 2);
      const found = await client().query<{ video_id: string }>(
        `SELECT video_id FROM filter_rows WHERE $1::int = 1 AND ${condition.sql} ORDER BY video_id`,
        [1, ...condition.params],
      );
      expect(found.rows.map((row) => row.video_id)).toEqual(expected);
    },
  );

  it('refuses a bad filter with the local path InputError, before any SQL', () => {
    expect(() => searchFilterSql({ year: { gt: 3 } }, { durations: DURATIONS }, 1)).toThrow(InputError);
  });
});
