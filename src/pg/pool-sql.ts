import { embeddingOptionsFor } from '../query/stages/prepare.js';
import type { SearchPool } from '../query/stages/retrieve.js';
import { searchFilterSql } from './search-filter-sql.js';

/** What of a search pool becomes SQL, and how many labels it leaves for the caller to drop. */
export interface PoolSql {
  /** A WHERE condition over vsearch_segments ('TRUE' when nothing is pushed down). */
  sql: string;
  params: unknown[];
  /** Labels the condition still lets through that the pool excludes one by one (a `like` segment, earlier pages' clips). */
  leftToDrop: number;
}

/** Whole-video scopes (clip-rows.ts): never listed by a clip search. */
const WHOLE_VIDEO_SCOPES = ['video', 'asset'];

/**
 * The pool's restrictions that are per row (search options, the filter, clip scope, videos
 * earlier pages returned) as SQL, with parameters from $`firstParam` on. The labels it leaves
 * out one by one are few; the caller asks for that many more rows and drops them.
 */
export function poolSql(pool: SearchPool, firstParam: number): PoolSql {
  const { spec, facts } = pool;
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown, cast: string): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}::${cast}`;
  };
  if (spec.searchOptions !== undefined)
    conditions.push(
      `embedding_option = ANY(${param(
        spec.searchOptions.flatMap((option) => embeddingOptionsFor(option)),
        'text[]',
      )})`,
    );
  if (spec.filter !== undefined) {
    const durations = new Map(facts.videos.map((video) => [video.id, video.durationSec]));
    const filter = searchFilterSql(spec.filter, { durations }, firstParam + params.length);
    conditions.push(`(${filter.sql})`);
    params.push(...filter.params);
  }
  if (spec.clipsOnly && !facts.allClipRows)
    conditions.push(`NOT (embedding_scope = ANY(${param(WHOLE_VIDEO_SCOPES, 'text[]')}))`);
  if (spec.returnedVideos.size > 0) {
    const ids = [...spec.returnedVideos].map((ordinal) => facts.videos[ordinal]?.id ?? '');
    conditions.push(`NOT (video_id = ANY(${param(ids, 'text[]')}))`);
  }
  return {
    sql: conditions.length === 0 ? 'TRUE' : conditions.join(' AND '),
    params,
    leftToDrop: spec.excludedLabels.size + spec.returnedLabels.size,
  };
}
