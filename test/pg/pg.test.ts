import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { InputError, StoreError } from '../../src/errors.js';
import { pgError } from '../../src/pg/connect.js';
import { migrate } from '../../src/pg/migrations.js';
import { passwordsIn, redactMessage, redactSecret, redactUrl } from '../../src/pg/redact.js';
import { parsePgTarget } from '../../src/pg/target.js';
import { type SegmentRows, SegmentStore } from '../../src/store/index.js';
import { CLI } from '../helpers/cli.js';
import { runCliAsync } from '../helpers/cli-async.js';
import { rowsOf } from '../helpers/store-rows.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { startTestDatabase, useConnectedTestDatabase } from './pg-server.js';
import { folderLibrary as folderLibraryIn, segmentKey, segmentsByKey } from './sync-fixtures.js';

const PASSWORD = 'secret-pw';
const tempDir = useTempDirs();

async function folderLibrary(rows: SegmentRows): Promise<string> {
  return folderLibraryIn(await tempDir(), rows);
}

describe('PostgreSQL backend over PGlite + pgvector on the wire', () => {
  const { database: db, client, url } = useConnectedTestDatabase(migrate);

  async function pgSegments(library: string): Promise<Map<string, { vector: number[]; metadata: unknown }>> {
    const result = await client().query<{
      video_id: string;
      embedding_option: string;
      embedding_scope: string;
      start_sec: number;
      end_sec: number;
      metadata: unknown;
      embedding: string;
    }>(
      'SELECT video_id, embedding_option, embedding_scope, start_sec, end_sec, metadata, embedding::text AS embedding FROM vsearch_segments WHERE library = $1',
      [library],
    );
    const out = new Map<string, { vector: number[]; metadata: unknown }>();
    for (const row of result.rows) {
      const id = segmentKey(row.video_id, row.embedding_option, row.embedding_scope, row.start_sec, row.end_sec);
      expect(out.has(id)).toBe(false);
      out.set(id, {
        vector: Array.from(Float32Array.from(JSON.parse(row.embedding) as number[])),
        metadata: row.metadata,
      });
    }
    return out;
  }

  it('migrates once when three migrators race, and a rerun applies nothing', async () => {
    await client().query(
      'DROP TABLE IF EXISTS vsearch_pages, vsearch_segments, vsearch_videos, vsearch_libraries, vsearch_migrations',
    );
    const clients = await Promise.all(
      [1, 2, 3].map(async () => {
        const c = new pg.Client({ connectionString: db().url });
        await c.connect();
        return c;
      }),
    );
    try {
      const applied = await Promise.all(clients.map((c) => migrate(c)));
      expect(applied.flat().sort()).toEqual([1, 2, 3, 4]);
      expect(await migrate(client())).toEqual([]);
      const versions = await client().query<{ version: number }>(
        'SELECT version FROM vsearch_migrations ORDER BY version',
      );
      expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 120_000);

  it('syncs a folder library: same segments (float32 bits, metadata), and a second sync copies nothing', async () => {
    const rows = rowsOf({ a: 3, b: 2, c: 4 }, 8, 3);
    const dir = await folderLibrary(rows);
    const first = await runCliAsync(['sync', '--from', dir, '--to', url('one'), '--json']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ videos: 3, segments: 9, unchanged: 0 });
    expect(first.stdout).not.toContain(PASSWORD);
    expect(await pgSegments('one')).toEqual(segmentsByKey(rows));
    const second = await runCliAsync(['sync', '--from', dir, '--to', url('one'), '--json']);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ videos: 0, segments: 0, unchanged: 3 });
    expect(await pgSegments('one')).toEqual(segmentsByKey(rows));
  }, 120_000);

  it('a video whose segments changed in the folder is copied again, and only it', async () => {
    const dir = await folderLibrary(rowsOf({ a: 2, b: 2 }, 8, 8));
    expect((await runCliAsync(['sync', '--from', dir, '--to', url('changed')])).status).toBe(0);
    const store = await SegmentStore.open(dir);
    await store.write(async () => {
      await store.append(rowsOf({ b: 1 }, 8, 9), 'marengo3.0');
    });
    const again = await runCliAsync(['sync', '--from', dir, '--to', url('changed'), '--json']);
    expect([again.status, again.stderr]).toEqual([0, '']);
    expect(JSON.parse(again.stdout)).toMatchObject({ videos: 1, unchanged: 1 });
    const now = await SegmentStore.open(dir);
    const all = [await now.segmentsOf('a'), await now.segmentsOf('b')];
    const expected = new Map(all.flatMap((rows) => (rows === undefined ? [] : [...segmentsByKey(rows)])));
    expect(expected.size).toBe(4);
    expect(await pgSegments('changed')).toEqual(expected);
  }, 120_000);

  it('two syncs at once into one library leave every segment exactly once', async () => {
    const rows = rowsOf({ p: 5, q: 5, r: 5, s: 5 }, 8, 4);
    const dir = await folderLibrary(rows);
    const results = await Promise.all([1, 2].map(() => runCliAsync(['sync', '--from', dir, '--to', url('twice')])));
    for (const result of results) expect([result.status, result.stderr]).toEqual([0, '']);
    const count = await client().query<{ n: string }>('SELECT count(*) AS n FROM vsearch_segments WHERE library = $1', [
      'twice',
    ]);
    expect(Number(count.rows[0]?.n)).toBe(rows.count);
    expect(await pgSegments('twice')).toEqual(segmentsByKey(rows));
  }, 120_000);

  it('a sync killed with SIGKILL leaves only whole videos, and a rerun gives the same set as a clean sync', async () => {
    const videos = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 4]));
    const rows = rowsOf(videos, 8, 7);
    const dir = await folderLibrary(rows);
    const child = spawn(process.execPath, [CLI, 'sync', '--from', dir, '--to', url('killed')], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    let done = false;
    void exited.then(() => (done = true));
    // Kill once some video is committed (or let it finish if it is faster than the poll).
    while (!done) {
      const n = await client().query<{ n: string }>('SELECT count(*) AS n FROM vsearch_videos WHERE library = $1', [
        'killed',
      ]);
      if (Number(n.rows[0]?.n) > 0) break;
    }
    child.kill('SIGKILL');
    await exited;
    const perVideo = await client().query<{ video_id: string; n: string }>(
      'SELECT v.video_id, count(s.video_id) AS n FROM vsearch_videos v LEFT JOIN vsearch_segments s USING (library, video_id) WHERE v.library = $1 GROUP BY v.video_id',
      ['killed'],
    );
    for (const row of perVideo.rows) expect([row.video_id, Number(row.n)]).toEqual([row.video_id, 4]);
    const rerun = await runCliAsync(['sync', '--from', dir, '--to', url('killed'), '--json']);
    expect([rerun.status, rerun.stderr]).toEqual([0, '']);
    expect(JSON.parse(rerun.stdout)).toMatchObject({
      videos: 30 - perVideo.rows.length,
      unchanged: perVideo.rows.length,
    });
    expect(await pgSegments('killed')).toEqual(segmentsByKey(rows));
  }, 120_000);

  it('refuses a library of another dimension with exit 2 and writes nothing', async () => {
    await runCliAsync(['sync', '--from', await folderLibrary(rowsOf({ x: 1 }, 8, 5)), '--to', url('dims')]);
    const other = await runCliAsync([
      'sync',
      '--from',
      await folderLibrary(rowsOf({ y: 2 }, 16, 6)),
      '--to',
      url('dims'),
    ]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/holds marengo3.0 \(8-d\) segments, not marengo3.0 \(16-d\)/);
    expect(other.stderr).not.toContain(PASSWORD);
    const videos = await client().query<{ video_id: string }>(
      'SELECT video_id FROM vsearch_videos WHERE library = $1',
      ['dims'],
    );
    expect(videos.rows.map((r) => r.video_id)).toEqual(['x']);
  }, 120_000);
});

describe('PostgreSQL faults', () => {
  it('redacts the password of a connection string and of a message', () => {
    expect(redactUrl('postgres://me:p%40ss@host:5432/db?library=x')).toBe('postgres://me:***@host:5432/db?library=x');
    expect(redactUrl('postgresql://h/db?password=abc&library=x')).toBe('postgresql://h/db?password=***&library=x');
    expect(redactSecret('bad password p@ss for me', 'p@ss')).toBe('bad password *** for me');
  });

  it('an unexpected error quoting the connection string or its password prints neither password', () => {
    const argv = ['node', 'vsearch', 'serve', '--lib', 'postgres://me:p%40ss@h:5432/db?library=x&password=zz9'];
    const secrets = passwordsIn([...argv, undefined, 'not-a-url', 'postgres://%zz']);
    expect(secrets).toEqual(['p@ss', 'zz9']);
    const stack = 'Error: at postgres://other:hunter2@db/app failed (sent p@ss, then zz9)\n    at pg.connect';
    expect(redactMessage(stack, secrets)).toBe(
      'Error: at postgres://other:***@db/app failed (sent ***, then ***)\n    at pg.connect',
    );
  });

  it('wrong credentials are input (exit 2) and the message holds no password', () => {
    // PGlite accepts any password, so the server's refusal is the error pg raises for SQLSTATE 28P01.
    const target = parsePgTarget(`postgres://me:${PASSWORD}@db.example:5432/app?library=x`);
    const refused = Object.assign(new Error(`password authentication failed for user "me" (${PASSWORD})`), {
      code: '28P01',
    });
    const error = pgError(refused, target, 'connecting to');
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(
      /connecting to postgres:\/\/me:\*\*\*@db\.example:5432\/app\?library=x failed: the server refused the credentials/,
    );
    expect(error.message).not.toContain(PASSWORD);
    expect(pgError(Object.assign(new Error('duplicate key'), { code: '23505' }), target, 'syncing to')).toBeInstanceOf(
      StoreError,
    );
  });

  it('a connection string without a valid library, or a folder as --to, exits 2', async () => {
    const dir = await folderLibrary(rowsOf({ a: 1 }));
    const missing = await runCliAsync(['sync', '--from', dir, '--to', `postgres://me:${PASSWORD}@127.0.0.1:1/db`]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db needs a library parameter/);
    expect(missing.stderr).not.toContain(PASSWORD);
    const folder = await runCliAsync(['sync', '--from', dir, '--to', dir]);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toMatch(/must be one folder library and one postgres:\/\/ or postgresql:\/\/ URL/);
  }, 60_000);

  it('an unreachable server exits 1 without printing the password', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dir = await folderLibrary(rowsOf({ a: 1 }));
    const result = await runCliAsync([
      'sync',
      '--from',
      dir,
      '--to',
      `postgres://me:${PASSWORD}@127.0.0.1:${port}/db?library=x`,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/connecting to postgres:\/\/me:\*\*\*@127\.0\.0\.1:\d+\/db\?library=x failed/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
  }, 60_000);

  it('a database without pgvector is a clear error (exit 2) and nothing is written', async () => {
    const plain = await startTestDatabase({ withVector: false });
    try {
      const dir = await folderLibrary(rowsOf({ a: 1 }));
      const result = await runCliAsync(['sync', '--from', dir, '--to', `${plain.url}&library=x`]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/the database has no pgvector extension/);
      expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
      const c = new pg.Client({ connectionString: plain.url });
      await c.connect();
      const tables = await c.query<{ t: string | null; m: string | null }>(
        "SELECT to_regclass('vsearch_segments')::text AS t, to_regclass('vsearch_migrations')::text AS m",
      );
      await c.end();
      expect(tables.rows[0]).toEqual({ t: null, m: null });
    } finally {
      await plain.stop();
    }
  }, 120_000);
});
