import { hnswIndexName } from './library-row.js';
import { latestSchemaVersion } from './migrations.js';
import type { Queryable } from './queryable.js';

export type PgProblemKind =
  | 'pg-schema-old'
  | 'pg-vector-missing'
  | 'pg-index-missing'
  | 'pg-video-segments'
  | 'pg-segment-dimension';

export interface PgProblem {
  /** The table or index the problem is in. */
  file: string;
  kind: PgProblemKind;
  message: string;
}

export interface PgChecked {
  schemaVersion: number;
  /** pgvector's version on the server, or null when it is not installed. */
  pgvector: string | null;
  /** The library's partial HNSW index exists. */
  hnswIndex: boolean;
  videos: number;
  segments: number;
  dimension: number;
}

/**
 * What can be checked of a library in the database without reading its vectors: the schema
 * version, pgvector, the library's HNSW index, each video's segment count against its rows, and
 * every vector's dimension. Read-only.
 */
export async function checkPgLibrary(
  db: Queryable,
  library: string,
  dimension: number,
): Promise<{ problems: PgProblem[]; checked: PgChecked }> {
  const problems: PgProblem[] = [];
  const version = await first<{ version: number | null }>(
    db,
    'SELECT max(version)::int AS version FROM vsearch_migrations',
  );
  const schemaVersion = version?.version ?? 0;
  if (schemaVersion < latestSchemaVersion())
    problems.push({
      file: 'vsearch_migrations',
      kind: 'pg-schema-old',
      message: `the schema is at version ${schemaVersion}, not ${latestSchemaVersion()}; any vsearch command that writes brings it up to date`,
    });
  const extension = await first<{ extversion: string }>(
    db,
    "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
  );
  if (extension === undefined)
    problems.push({
      file: 'pg_extension',
      kind: 'pg-vector-missing',
      message: 'pgvector is not installed in this database; install it (https://github.com/pgvector/pgvector)',
    });
  const indexName = hnswIndexName(library);
  const index = await first<{ n: number }>(db, 'SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = $1', [
    indexName,
  ]);
  const hnswIndex = (index?.n ?? 0) > 0;
  // A library created empty has no dimension yet, so no index either until its first write.
  if (!hnswIndex && dimension > 0)
    problems.push({
      file: indexName,
      kind: 'pg-index-missing',
      message: `the library's HNSW index ${indexName} is missing: HNSW searches scan every row; \`vsearch sync\` or \`vsearch build\` into the library creates it again`,
    });
  const torn = await db.query(
    `SELECT v.video_id, v.segments AS listed, coalesce(s.n, 0)::int AS stored
     FROM vsearch_videos v
     LEFT JOIN (SELECT video_id, count(*)::int AS n FROM vsearch_segments WHERE library = $1 GROUP BY video_id) s ON s.video_id = v.video_id
     WHERE v.library = $1 AND v.segments <> coalesce(s.n, 0) ORDER BY v.video_id COLLATE "C"`,
    [library],
  );
  for (const row of torn.rows as { video_id: string; listed: number; stored: number }[])
    problems.push({
      file: 'vsearch_segments',
      kind: 'pg-video-segments',
      message: `video ${JSON.stringify(row.video_id)} is listed with ${row.listed} segments but ${row.stored} are stored; \`vsearch rm ${row.video_id}\` and build or sync it again`,
    });
  const counts = await first<{ videos: number; segments: number; wrong: number }>(
    db,
    `SELECT (SELECT count(*)::int FROM vsearch_videos WHERE library = $1) AS videos,
            (SELECT count(*)::int FROM vsearch_segments WHERE library = $1) AS segments,
            (SELECT count(*)::int FROM vsearch_segments WHERE library = $1 AND vector_dims(embedding) <> $2) AS wrong`,
    [library, dimension],
  );
  if ((counts?.wrong ?? 0) > 0)
    problems.push({
      file: 'vsearch_segments',
      kind: 'pg-segment-dimension',
      message: `${counts?.wrong} segment(s) hold vectors that are not ${dimension}-d, the library's dimension; searches cannot score them`,
    });
  return {
    problems,
    checked: {
      schemaVersion,
      pgvector: extension?.extversion ?? null,
      hnswIndex,
      videos: counts?.videos ?? 0,
      segments: counts?.segments ?? 0,
      dimension,
    },
  };
}

async function first<T>(db: Queryable, sql: string, values: unknown[] = []): Promise<T | undefined> {
  const result = await db.query(sql, values);
  return result.rows[0] as T | undefined;
}
