import type pg from 'pg';
import type { KnnResult } from '../index/vector-index.js';
import type { RetrievalIndex, RetrievalRound } from '../query/retrieval-index.js';
import type { SearchPool } from '../query/stages/retrieve.js';
import { pgError } from './connect.js';
import { PG_MAX_EF_SEARCH } from './ef-search-limit.js';
import { poolSql } from './pool-sql.js';
import { KEY_COLUMNS, type KeyRow, keyText } from './segment-key.js';
import type { PgTarget } from './target.js';
import { vectorLiteral } from './vector-bytes.js';

interface ScoredRow extends KeyRow {
  score: number;
}

export interface PgIndexOptions {
  pool: pg.Pool;
  /** The library's database and name (errors name it without the password). */
  target: PgTarget;
  dimension: number;
  kind: 'hnsw' | 'exact';
  size: number;
  /** keyText of a segment -> its label in this generation. */
  labels: ReadonlyMap<string, number>;
}

/**
 * A PostgreSQL library's index: each retrieval round is one SQL query in its own transaction.
 * HNSW rounds order by the expression the library's partial HNSW index is built on
 * (`embedding::vector(dim) <=> q`) with `hnsw.ef_search` from the search's ef (capped at
 * pgvector's 1000) and, when the pool is pushed down as SQL or the round wants more rows than
 * ef, `hnsw.iterative_scan = relaxed_order`. Exact rounds (a library under exactBelow, a small
 * pool) order by the bare `embedding <=> q`, which no index matches, with index scans off too.
 */
export class PgIndex implements RetrievalIndex {
  readonly kind: 'hnsw' | 'exact';
  readonly size: number;
  readonly #options: PgIndexOptions;

  constructor(options: PgIndexOptions) {
    this.#options = options;
    this.kind = options.kind;
    this.size = options.size;
  }

  search(query: Float32Array, k: number, round: RetrievalRound): Promise<KnnResult> {
    return this.#round(query, k, round.ef, round.filter === undefined ? undefined : round.pool, this.kind === 'exact');
  }

  /** The top k of the whole library through the HNSW index at `ef`, or by an exact scan that bypasses it: recall measurement. */
  nearest(query: Float32Array, k: number, ef: number | 'exact'): Promise<KnnResult> {
    return ef === 'exact' ? this.#round(query, k, 0, undefined, true) : this.#round(query, k, ef, undefined, false);
  }

  scanPool(query: Float32Array, pool: SearchPool): Promise<KnnResult> {
    return this.#round(query, pool.available, 0, pool, true);
  }

  async #round(
    query: Float32Array,
    k: number,
    ef: number,
    pool: SearchPool | undefined,
    exact: boolean,
  ): Promise<KnnResult> {
    if (k <= 0) return { labels: new Uint32Array(0), scores: new Float32Array(0) };
    const { target, dimension } = this.#options;
    const pushed = pool === undefined ? undefined : poolSql(pool, 2);
    const vector = exact ? '$1::vector' : `embedding::vector(${dimension})`;
    const against = exact ? '$1::vector' : `$1::vector(${dimension})`;
    const distance = `${exact ? 'embedding' : vector} <=> ${against}`;
    const limit = k + (pushed?.leftToDrop ?? 0);
    const settings = exact
      ? ['SET LOCAL enable_indexscan = off']
      : [
          // The planner would sort a small or freshly loaded table instead: an HNSW round reads the HNSW index.
          'SET LOCAL enable_seqscan = off',
          'SET LOCAL enable_bitmapscan = off',
          'SET LOCAL enable_sort = off',
          `SET LOCAL hnsw.ef_search = ${Math.min(PG_MAX_EF_SEARCH, Math.max(1, Math.trunc(ef)))}`,
          ...((pushed !== undefined && pushed.sql !== 'TRUE') || limit > PG_MAX_EF_SEARCH
            ? ['SET LOCAL hnsw.iterative_scan = relaxed_order']
            : []),
        ];
    // The library as a literal, not a parameter: the planner then matches the partial index's predicate.
    const client = await this.#options.pool.connect().catch((error: unknown) => {
      throw pgError(error, target, 'searching');
    });
    try {
      await client.query(['BEGIN READ ONLY', ...settings].join('; '));
      const result = await client.query<ScoredRow>(
        `SELECT ${KEY_COLUMNS}, 1 - (${distance}) AS score FROM vsearch_segments WHERE library = ${client.escapeLiteral(target.library)} AND ${pushed?.sql ?? 'TRUE'} ORDER BY ${distance} LIMIT ${limit}`,
        [vectorLiteral(query), ...(pushed?.params ?? [])],
      );
      await client.query('COMMIT');
      return this.#knn(result.rows, k, pool);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw pgError(error, target, 'searching');
    } finally {
      client.release();
    }
  }

  /** Rows as labels of this generation, best first: rows a later write added, and labels the pool drops, left out. */
  #knn(rows: readonly ScoredRow[], k: number, pool: SearchPool | undefined): KnnResult {
    const labels: number[] = [];
    const scores: number[] = [];
    for (const row of rows) {
      const label = this.#options.labels.get(keyText(row));
      if (label === undefined || (pool !== undefined && !pool.isAvailable(label))) continue;
      labels.push(label);
      scores.push(row.score);
      if (labels.length === k) break;
    }
    const order = labels.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
    return {
      labels: Uint32Array.from(order, (i) => labels[i] as number),
      scores: Float32Array.from(order, (i) => scores[i] as number),
    };
  }
}
