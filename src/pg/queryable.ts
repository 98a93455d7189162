/** What vsearch asks of a connection: `pg.Client`, `pg.PoolClient` and `pg.Pool` all have it. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
