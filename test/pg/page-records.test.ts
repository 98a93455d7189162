import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/pg/migrations.js';
import { PgPageRecords } from '../../src/pg/pg-page-records.js';
import type { PageRecord } from '../../src/query/page-record-codec.js';
import { useTestDatabase } from './pg-server.js';

function recordOf(id: string, createdAt: string): PageRecord {
  return {
    version: 1,
    id,
    libraryId: 'pg-lib',
    generation: 7,
    createdAt,
    queries: [Float32Array.from([0.6, 0.8])],
    search: { groupBy: 'clip', operator: 'or', pageLimit: 10, threshold: 'none', mergeAdjacent: false },
    excludedLabels: [3],
    ef: 64,
    total: 25,
    pages: [{ items: 10, labels: [1, 2, 4], videos: [] }],
  };
}

describe('page records in PostgreSQL', () => {
  const database = useTestDatabase();
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const client = new pg.Client({ connectionString: database().url });
      await client.connect();
      clients.push(client);
    }
    await migrate(clients[0] as pg.Client);
  });

  afterAll(async () => {
    for (const client of clients) await client.end();
  });

  it('a record written through one connection is read, whole, through another; other libraries do not see it', async () => {
    const [first, second] = clients as [pg.Client, pg.Client];
    const writer = new PgPageRecords(first, 'lib-a');
    const record = recordOf(writer.newId(), new Date().toISOString());
    writer.writeSoon(record);
    expect(await writer.read(record.id)).toBe(record);
    await writer.flush();
    const read = await new PgPageRecords(second, 'lib-a').read(record.id);
    expect(read).toEqual(record);
    expect(read?.queries[0]).toBeInstanceOf(Float32Array);
    expect(await new PgPageRecords(second, 'lib-b').read(record.id)).toBeUndefined();
  });

  it('a changed record replaces the stored one; a record older than a day is pruned by the next write', async () => {
    const [first, second] = clients as [pg.Client, pg.Client];
    const writer = new PgPageRecords(first, 'lib-c');
    const old = recordOf(writer.newId(), new Date(Date.now() - 25 * 3600_000).toISOString());
    await second.query('INSERT INTO vsearch_pages (library, id, record, created_at) VALUES ($1, $2, $3::jsonb, $4)', [
      'lib-c',
      old.id,
      JSON.stringify({ stale: true }),
      old.createdAt,
    ]);
    const record = recordOf(writer.newId(), new Date().toISOString());
    await writer.write(record);
    await writer.write({ ...record, pages: [...record.pages, { items: 10, labels: [9], videos: [] }] });
    const reader = new PgPageRecords(second, 'lib-c');
    expect((await reader.read(record.id))?.pages).toHaveLength(2);
    expect(await reader.read(old.id)).toBeUndefined();
  });
});
