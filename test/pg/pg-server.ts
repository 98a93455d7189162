import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface TestDatabase {
  /** A postgres:// URL without a library parameter. */
  url: string;
  /** Milliseconds the harness took to be ready (for the report; never asserted). */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WASM) with pgvector, served over the wire protocol on a free
 * loopback port, so vsearch talks to it with `pg` exactly as to a real server.
 * VSEARCH_TEST_DATABASE_URL set: that server is used instead. `withVector: false` gives a
 * database without pgvector (always PGlite). The tests drop and recreate vsearch's tables: use a
 * throwaway database.
 */
export async function startTestDatabase(options: { withVector?: boolean } = {}): Promise<TestDatabase> {
  const started = performance.now();
  const external = process.env.VSEARCH_TEST_DATABASE_URL;
  if (external !== undefined && external !== '' && options.withVector !== false) {
    return { url: external, startMs: 0, stop: async () => {} };
  }
  const db = await PGlite.create(options.withVector === false ? {} : { extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await server.start();
  const conn = server.getServerConn();
  return {
    url: `postgres://postgres:secret-pw@${conn}/postgres?sslmode=disable`,
    startMs: performance.now() - started,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The test database of the enclosing describe (or file): started before the hooks registered after
 * this call and stopped after theirs, like useSuiteTempDir.
 */
export function useTestDatabase(options: { withVector?: boolean } = {}): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await startTestDatabase(options);
  }, 120_000);
  afterAll(async () => {
    await database?.stop();
  });
  return () => {
    if (database === undefined)
      throw new Error('useTestDatabase: the database starts in beforeAll; read it from a hook or test');
    return database;
  };
}

/** `database`'s URL naming `library`. */
export function libraryUrl(database: { url: string }, library: string): string {
  return `${database.url}${database.url.includes('?') ? '&' : '?'}library=${library}`;
}

export interface ConnectedTestDatabase {
  database: () => TestDatabase;
  /** One client connected for the suite, ended before the database stops. */
  client: () => pg.Client;
  /** The database's URL naming `library`. */
  url: (library: string) => string;
}

/** useTestDatabase with one connected client, `setUp` (migrations, tables) run on it first. */
export function useConnectedTestDatabase(setUp?: (client: pg.Client) => Promise<unknown>): ConnectedTestDatabase {
  const database = useTestDatabase();
  let connected: pg.Client | undefined;
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: database().url });
    await client.connect();
    connected = client;
    await setUp?.(client);
  });
  afterAll(async () => {
    await connected?.end();
  });
  return {
    database,
    client: () => {
      if (connected === undefined)
        throw new Error('useConnectedTestDatabase: the client connects in beforeAll; read it from a hook or test');
      return connected;
    },
    url: (library) => libraryUrl(database(), library),
  };
}

/** A library's generation as the database holds it; undefined when it holds no such library. */
export async function libraryGeneration(client: pg.Client, library: string): Promise<number | undefined> {
  const result = await client.query<{ generation: string }>(
    'SELECT generation FROM vsearch_libraries WHERE library = $1',
    [library],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : Number(row.generation);
}
