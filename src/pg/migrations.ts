import { InputError } from '../errors.js';
import type { PgClient } from './connect.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Any constant key: concurrent migrators of one database wait for each other on it. */
const MIGRATION_LOCK = 7_340_014;

/**
 * A library is a key (the `library` column) in shared tables rather than a schema of its own:
 * one set of migrations for all, and `library` is the column a Citus deployment distributes by,
 * so every primary and unique key starts with it. The vector column has no fixed dimension;
 * each library's HNSW index casts to its own (see library-row.ts).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'libraries, videos, segments',
    sql: `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE vsearch_libraries (
  library text PRIMARY KEY,
  model text NOT NULL,
  dimension integer NOT NULL CHECK (dimension > 0),
  hnsw_m integer NOT NULL,
  hnsw_ef_construction integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE vsearch_videos (
  library text NOT NULL REFERENCES vsearch_libraries (library),
  video_id text NOT NULL,
  segments integer NOT NULL,
  digest text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (library, video_id)
);
CREATE TABLE vsearch_segments (
  library text NOT NULL,
  video_id text NOT NULL,
  embedding_option text NOT NULL,
  embedding_scope text NOT NULL,
  start_sec double precision NOT NULL,
  end_sec double precision NOT NULL,
  source text NOT NULL,
  content_sha256 text NOT NULL,
  modality text NOT NULL,
  model_name text NOT NULL,
  metadata jsonb NOT NULL,
  embedding vector NOT NULL,
  PRIMARY KEY (library, video_id, embedding_option, embedding_scope, start_sec, end_sec),
  FOREIGN KEY (library, video_id) REFERENCES vsearch_videos (library, video_id) ON DELETE CASCADE
);`,
  },
  {
    version: 2,
    name: 'page records',
    sql: `
CREATE TABLE vsearch_pages (
  library text NOT NULL,
  id text NOT NULL,
  record jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (library, id)
);
CREATE INDEX vsearch_pages_created ON vsearch_pages (library, created_at);`,
  },
  {
    version: 3,
    name: 'library generation and search settings',
    // generation: bumped by every write of the library, so a search storage knows when its
    // snapshot is stale. index_settings: the folder manifest's index settings (ef, kind,
    // exactBelow, calibration), which the search uses as a folder library's do.
    sql: `
ALTER TABLE vsearch_libraries ADD COLUMN generation bigint NOT NULL DEFAULT 0;
ALTER TABLE vsearch_libraries ADD COLUMN index_settings jsonb;`,
  },
  {
    version: 4,
    name: 'libraries created empty',
    // A library opened with { create: true } exists before its first write: its model and
    // dimension are unset until that write sets both, as a folder library created empty.
    sql: `
ALTER TABLE vsearch_libraries ALTER COLUMN model DROP NOT NULL, ALTER COLUMN dimension DROP NOT NULL;
ALTER TABLE vsearch_libraries ADD CONSTRAINT vsearch_libraries_model_with_dimension CHECK ((model IS NULL) = (dimension IS NULL));`,
  },
];

/**
 * Brings the schema to the newest version. Each migration runs in one transaction that holds
 * an advisory lock, so it is never half-applied and concurrent migrators apply it once.
 * Returns the versions this call applied.
 */
export async function migrate(client: PgClient, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  for (const migration of migrations) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS vsearch_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = await client.query('SELECT 1 FROM vsearch_migrations WHERE version = $1', [migration.version]);
      if (done.rowCount === 0) {
        await client.query(migration.sql).catch((error: unknown) => {
          throw withoutVector(error) ?? error;
        });
        await client.query('INSERT INTO vsearch_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        applied.push(migration.version);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
  return applied;
}

function withoutVector(error: unknown): InputError | undefined {
  const message = error instanceof Error ? error.message : '';
  if (!/extension "vector"|vector\.control/.test(message)) return undefined;
  return new InputError(
    `the database has no pgvector extension (${message}); install pgvector on the server (https://github.com/pgvector/pgvector) and run again`,
  );
}

/** The version the newest migration brings the schema to. */
export function latestSchemaVersion(): number {
  return Math.max(...MIGRATIONS.map((migration) => migration.version));
}
