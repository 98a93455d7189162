import pg from 'pg';
import { VsearchError } from '../errors.js';
import { type LibrarySnapshot, librarySnapshot } from '../query/library-snapshot.js';
import type { SearchStorage } from '../query/search-storage.js';
import type { IndexSettings, Manifest } from '../store/manifest.js';
import { QueryCache } from '../store/query-cache.js';
import { pgError } from './connect.js';
import { createEmptyPgLibrary } from './library-row.js';
import { migrate } from './migrations.js';
import { currentGeneration, loadGeneration, type PgGeneration } from './pg-generation.js';
import { PgIndex } from './pg-index.js';
import { PgPageRecords } from './pg-page-records.js';
import type { PgRecallSource } from './pg-recall-source.js';
import { KEY_COLUMNS, type KeyRow, keyText } from './segment-key.js';
import type { PgTarget } from './target.js';
import { vectorFromSend } from './vector-bytes.js';

/** Connections one library keeps open: a search's rounds take one at a time. */
const POOL_SIZE = 4;

/**
 * The search storage of a PostgreSQL library (`postgres://...?library=NAME`): the label facts
 * and the manifest-equivalent loaded from the database once per generation, an index whose
 * rounds are SQL (PgIndex), page records in vsearch_pages (valid in every process on the same
 * database) and a query cache in a local folder. Each search asks for the library's generation
 * first; a write (any process, any machine) bumps it and the next search loads a new snapshot.
 */
export class PgSearchStorage implements SearchStorage {
  readonly pages: PgPageRecords;
  readonly queryCache: QueryCache;
  readonly target: PgTarget;
  readonly #pool: pg.Pool;
  #current: { generation: number; snapshot: Promise<LibrarySnapshot> } | undefined;
  #manifest: Readonly<Manifest> | undefined;
  /** Each snapshot's segments for recall measurement (see recallSource). */
  readonly #recallSources = new WeakMap<LibrarySnapshot, PgRecallSource>();

  private constructor(target: PgTarget, pool: pg.Pool, queryCacheDir: string) {
    this.target = target;
    this.#pool = pool;
    this.pages = new PgPageRecords(pool, target.library);
    this.queryCache = new QueryCache(queryCacheDir);
  }

  /**
   * Connects, brings the schema up to date, registers an empty library with the `create` index
   * settings where none exists, and loads the first snapshot (so a missing library fails here).
   */
  static async open(target: PgTarget, queryCacheDir: string, create?: IndexSettings): Promise<PgSearchStorage> {
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: POOL_SIZE,
      connectionTimeoutMillis: 15_000,
    });
    pool.on('error', () => {});
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
        if (create !== undefined) await createEmptyPgLibrary(client, target.library, create);
      } finally {
        client.release();
      }
      const storage = new PgSearchStorage(target, pool, queryCacheDir);
      await storage.snapshot();
      return storage;
    } catch (error) {
      await pool.end().catch(() => {});
      throw pgError(error, target, 'opening');
    }
  }

  async snapshot(): Promise<LibrarySnapshot> {
    const generation = await currentGeneration(this.#pool, this.target).catch((error: unknown) => {
      throw pgError(error, this.target, 'searching');
    });
    const current = this.#current;
    if (current !== undefined && current.generation === generation) return current.snapshot;
    const snapshot = this.#make();
    this.#current = { generation, snapshot };
    snapshot.catch(() => {
      if (this.#current?.snapshot === snapshot) this.#current = undefined;
    });
    return snapshot;
  }

  /** The manifest-equivalent of the newest snapshot loaded (open loads the first). */
  get manifest(): Readonly<Manifest> {
    if (this.#manifest === undefined) throw new VsearchError('the PostgreSQL library has not been read yet');
    return this.#manifest;
  }

  /** The newest generation's index and vectors, to measure recall on; undefined when the library holds no segments. */
  async recallSource(): Promise<PgRecallSource | undefined> {
    return this.#recallSources.get(await this.snapshot());
  }

  /** One connection of the pool for `work` (a transaction needs one), released after; errors name the server without its password. */
  async withClient<T>(doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw pgError(error, this.target, doing);
    });
    try {
      return await work(client);
    } catch (error) {
      throw pgError(error, this.target, doing);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pages.flush().finally(() => this.#pool.end());
  }

  async #make(): Promise<LibrarySnapshot> {
    const client = await this.#pool.connect();
    let generation: PgGeneration;
    try {
      generation = await loadGeneration(client, this.target);
    } catch (error) {
      throw pgError(error, this.target, 'reading');
    } finally {
      client.release();
    }
    const { manifest, facts, labels, keys } = generation;
    if (this.#manifest === undefined || this.#manifest.generation <= manifest.generation) this.#manifest = manifest;
    const dimension = manifest.dimension ?? 0;
    const { index: settings, counts } = manifest;
    const kind = settings.kind === 'auto' ? (counts.segments < settings.exactBelow ? 'exact' : 'hnsw') : settings.kind;
    const index =
      counts.segments === 0
        ? undefined
        : new PgIndex({
            pool: this.#pool,
            target: this.target,
            dimension,
            kind,
            size: counts.segments,
            labels,
          });
    const readVectors = (): Promise<Float32Array> => this.#vectors(labels, dimension);
    const snapshot = librarySnapshot({
      manifest,
      facts,
      index,
      readVectors: async () => [await readVectors()],
      segmentVector: async (label) => {
        const key = keys[label];
        return key === undefined ? undefined : this.#vectorOf(key, dimension);
      },
    });
    if (index !== undefined) this.#recallSources.set(snapshot, { manifest, index, vectors: readVectors });
    return snapshot;
  }

  /** Every stored vector, by label (a segment a later write replaced keeps its newest vector; one it added is left out). */
  async #vectors(labels: ReadonlyMap<string, number>, dimension: number): Promise<Float32Array> {
    const result = await this.#pool
      .query<KeyRow & { vector: Buffer }>(
        `SELECT ${KEY_COLUMNS}, vector_send(embedding) AS vector FROM vsearch_segments WHERE library = $1`,
        [this.target.library],
      )
      .catch((error: unknown) => {
        throw pgError(error, this.target, 'reading vectors from');
      });
    const vectors = new Float32Array(labels.size * dimension);
    for (const row of result.rows) {
      const label = labels.get(keyText(row));
      if (label !== undefined) vectorFromSend(row.vector, dimension, vectors, label * dimension);
    }
    return vectors;
  }

  async #vectorOf(key: KeyRow, dimension: number): Promise<Float32Array | undefined> {
    const result = await this.#pool
      .query<{ vector: Buffer }>(
        'SELECT vector_send(embedding) AS vector FROM vsearch_segments WHERE library = $1 AND video_id = $2 AND embedding_option = $3 AND embedding_scope = $4 AND start_sec = $5 AND end_sec = $6',
        [this.target.library, key.video_id, key.embedding_option, key.embedding_scope, key.start_sec, key.end_sec],
      )
      .catch((error: unknown) => {
        throw pgError(error, this.target, 'reading a vector from');
      });
    const [row] = result.rows;
    if (row === undefined) return undefined;
    const vector = new Float32Array(dimension);
    vectorFromSend(row.vector, dimension, vector, 0);
    return vector;
  }
}
