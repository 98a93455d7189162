import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticQueries } from '../../src/bench/synthetic.js';
import type { Library } from '../../src/library/index.js';
import { openLibrary, type PgLibraryUrl } from '../../src/library/library.js';
import type { PgLibrary } from '../../src/library/pg-library.js';
import { PgSearchStorage } from '../../src/pg/pg-search-storage.js';
import { syncFolderToPg } from '../../src/pg/sync-to-pg.js';
import { parsePgTarget } from '../../src/pg/target.js';
import { runSearch, type SearchRequest, type SearchResponse } from '../../src/query/index.js';
import { syntheticSegments } from '../helpers/synthetic-segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { createTempLibrary, type TempLibrary } from '../helpers/temp-library.js';
import { libraryUrl, useTestDatabase } from './pg-server.js';

const DIMENSION = 32;
/** Above the exact-scan pool of 2,000: an unselective filter goes to the HNSW index with an iterative scan. */
const COUNT = 4800;
const CLIPS_PER_VIDEO = 12;
const QUERIES = 12;
const tempDir = useTempDirs();

/** The seeded synthetic set, with a metadata field to filter on (a third of the videos each). */
function segments(): ReturnType<typeof syntheticSegments> {
  return syntheticSegments({ count: COUNT, dimension: DIMENSION, seed: 14 }, CLIPS_PER_VIDEO).map((segment) => ({
    ...segment,
    metadata: { shelf: Number(segment.video_id.slice(1)) % 3 },
  }));
}

function queryVectors(): number[][] {
  const flat = syntheticQueries({ count: QUERIES, dimension: DIMENSION, seed: 14 });
  return Array.from({ length: QUERIES }, (_, q) => Array.from(flat.subarray(q * DIMENSION, (q + 1) * DIMENSION)));
}

/** A hit as both backends name it: labels differ between them, identities do not. */
function keysOf(response: SearchResponse): string[] {
  return response.data.map((hit) => `${hit.video_id}@${hit.start}-${hit.end}`);
}

/** A response without what names one backend's storage: labels, page tokens, the index id, and when the page expires (the time of the call). */
function comparable(response: SearchResponse): unknown {
  return JSON.parse(
    JSON.stringify(response, (key, value: unknown) =>
      key === 'label' ||
      key === 'labels' ||
      key === 'next_page_token' ||
      key === 'index_id' ||
      key === 'page_expires_at'
        ? undefined
        : value,
    ),
  );
}

/** Deep equality with scores (any non-integer number) equal to 4 decimals. */
function expectSameJson(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && !Number.isInteger(expected)) {
    expect(typeof actual, where).toBe('number');
    expect(actual as number, where).toBeCloseTo(expected, 4);
    return;
  }
  if (typeof expected !== 'object' || expected === null) {
    expect(actual, where).toEqual(expected);
    return;
  }
  expect(typeof actual === 'object' && actual !== null, where).toBe(true);
  const actualObject = actual as Record<string, unknown>;
  const expectedObject = expected as Record<string, unknown>;
  expect(Object.keys(actualObject).sort(), where).toEqual(Object.keys(expectedObject).sort());
  for (const key of Object.keys(expectedObject))
    expectSameJson(actualObject[key], expectedObject[key], `${where} ${key}`);
}

function recall(found: readonly string[], truth: readonly string[]): number {
  const wanted = new Set(truth);
  return truth.length === 0 ? 1 : found.filter((key) => wanted.has(key)).length / truth.length;
}

/** filtered: two thirds of the videos (an HNSW round with the filter pushed down); selective: one third (an exact scan). */
type Kind = 'plain' | 'filtered' | 'selective' | 'grouped' | 'paged';
const KINDS: readonly Kind[] = ['plain', 'filtered', 'selective', 'grouped', 'paged'];

function requestOf(kind: Kind, vector: number[]): SearchRequest {
  if (kind === 'filtered') return { vector, filter: { shelf: [0, 1] } };
  if (kind === 'selective') return { vector, filter: { shelf: 1 } };
  if (kind === 'grouped') return { vector, groupBy: 'video' };
  return { vector };
}

/** The page the search kind compares: the first, or for `paged` the second (through its token). */
async function pageOf(lib: Library | PgLibrary, kind: Kind, vector: number[]): Promise<SearchResponse> {
  const first = await lib.search(requestOf(kind, vector));
  if (kind !== 'paged') return first;
  const token = first.page_info.next_page_token;
  expect(token).toBeDefined();
  return lib.search({ pageToken: token ?? '' });
}

describe('searching a PostgreSQL library (PGlite + pgvector over the wire) against the same data in a folder', () => {
  const db = useTestDatabase();
  let exactFolder: TempLibrary;
  let hnswFolder: TempLibrary;
  let exactPg: PgLibrary;
  let hnswPg: PgLibrary;
  const url = (library: string): PgLibraryUrl => {
    const text = libraryUrl(db(), library);
    if (!text.startsWith('postgres://')) throw new Error(`unexpected test database URL ${text}`);
    return text as PgLibraryUrl;
  };

  beforeAll(async () => {
    const rows = segments();
    exactFolder = await createTempLibrary({
      segments: rows,
      importOptions: { model: 'test-model' },
      index: { kind: 'exact' },
    });
    hnswFolder = await createTempLibrary({
      segments: rows,
      importOptions: { model: 'test-model' },
      index: { kind: 'hnsw', M: 16, efConstruction: 64 },
    });
    await syncFolderToPg(exactFolder.dir, parsePgTarget(url('exact_lib')));
    await syncFolderToPg(hnswFolder.dir, parsePgTarget(url('hnsw_lib')));
    exactPg = await openLibrary(url('exact_lib'), { queryCacheDir: await tempDir() });
    hnswPg = await openLibrary(url('hnsw_lib'), { queryCacheDir: await tempDir() });
  }, 300_000);
  afterAll(async () => {
    await exactPg?.close();
    await hnswPg?.close();
    await exactFolder?.cleanup();
    await hnswFolder?.cleanup();
  });

  it('holds what the folder holds: counts, model, dimension, index settings', async () => {
    const stats = await hnswPg.stats();
    const folder = await hnswFolder.lib.stats();
    expect(stats).toMatchObject({
      backend: 'postgres',
      segments: folder.segments,
      videos: folder.videos,
      model: folder.model,
      dimension: DIMENSION,
      index: { kind: 'hnsw', M: 16, efConstruction: 64, count: COUNT },
    });
    expect((await exactPg.stats()).index.kind).toBe('exact');
  });

  for (const kind of KINDS) {
    it(`gives the folder's top 10 in exact mode: ${kind}`, async () => {
      for (const vector of queryVectors()) {
        const folder = await pageOf(exactFolder.lib, kind, vector);
        const pg = await pageOf(exactPg, kind, vector);
        expect(keysOf(pg)).toEqual(keysOf(folder));
        expect(keysOf(pg)).toHaveLength(10);
        pg.data.forEach((hit, i) => expect(hit.score).toBeCloseTo(folder.data[i]?.score ?? Number.NaN, 4));
        expect(pg.page_info.total_results).toBe(folder.page_info.total_results);
      }
    }, 120_000);

    it(`has recall@10 >= 0.95 against exact in HNSW mode: ${kind}`, async () => {
      let sum = 0;
      for (const vector of queryVectors()) {
        const truth = await pageOf(exactFolder.lib, kind, vector);
        sum += recall(keysOf(await pageOf(hnswPg, kind, vector)), keysOf(truth));
      }
      expect(sum / QUERIES).toBeGreaterThanOrEqual(0.95);
    }, 120_000);
  }

  it('gives the folder JSON in exact mode for operator, threshold, min score and merge-adjacent searches', async () => {
    const vectors = queryVectors();
    let hits = 0;
    for (let q = 0; q + 1 < 6; q += 2) {
      const text = `parity text ${q}`;
      const image = `https://example.com/parity-${q}.png`;
      const [first = [], second = []] = [vectors[q], vectors[q + 1]];
      // The same two cached queries in each library's cache, searched offline (no API).
      for (const lib of [exactFolder.lib, exactPg]) {
        await lib.cacheQuery({ modality: 'text', text }, first);
        await lib.cacheQuery({ modality: 'image', source: image }, second);
      }
      const plain = await exactFolder.lib.search({ vector: first });
      // Between the fifth and sixth hits: the two backends' scores differ in the last float bits.
      const cut = ((plain.data[4]?.score ?? 0) + (plain.data[5]?.score ?? 0)) / 2;
      const requests: SearchRequest[] = [
        { text, image, operator: 'and', offline: true },
        { text, image, operator: 'or', offline: true, groupBy: 'video' },
        { vector: first, threshold: 'low' },
        { vector: first, threshold: 'medium', groupBy: 'video' },
        { vector: first, minScore: cut },
        { vector: first, mergeAdjacent: true },
        { vector: first, mergeAdjacent: true, groupBy: 'video', filter: { shelf: 2 } },
      ];
      for (const request of requests) {
        const folder = await exactFolder.lib.search(request);
        const fromPg = await exactPg.search(request);
        expectSameJson(comparable(fromPg), comparable(folder), JSON.stringify(request));
        hits += folder.data.length;
      }
    }
    expect(hits).toBeGreaterThan(0);
  }, 120_000);

  it('searches like a stored segment (read from PostgreSQL) as the folder does', async () => {
    for (const like of ['v3', 'v17@12', 'v250@30']) {
      const folder = await exactFolder.lib.search({ like });
      const pg = await exactPg.search({ like });
      expect(keysOf(pg)).toEqual(keysOf(folder));
      expect(keysOf(pg)).toHaveLength(10);
    }
  }, 120_000);

  it('asks the HNSW index for a plain search and scans exactly for a selective filter or an exact library', async () => {
    const [vector = []] = queryVectors();
    const strategies = async (library: string, request: SearchRequest): Promise<string[]> => {
      const storage = await PgSearchStorage.open(parsePgTarget(url(library)), await tempDir());
      const steps: string[] = [];
      try {
        await runSearch(request, { storage, embedder: undefined, onStep: (step) => steps.push(step.strategy) });
      } finally {
        await storage.close();
      }
      return steps;
    };
    expect(await strategies('hnsw_lib', { vector })).toEqual(['ann']);
    expect(await strategies('hnsw_lib', { vector, filter: { shelf: [0, 1] } })).toContain('ann');
    expect(await strategies('hnsw_lib', { vector, filter: { shelf: 1 } })).toEqual(['exact']);
    expect(await strategies('exact_lib', { vector })).not.toContain('exact');
  }, 120_000);

  it('loads a new snapshot once a write bumps the generation', async () => {
    const before = await hnswPg.snapshot();
    expect(await hnswPg.snapshot()).toBe(before);
    // A sync with nothing new writes nothing: the same generation, the same snapshot.
    expect(await syncFolderToPg(hnswFolder.dir, parsePgTarget(url('hnsw_lib')))).toMatchObject({ videos: 0 });
    expect(await hnswPg.snapshot()).toBe(before);
    const client = new pg.Client({ connectionString: db().url });
    await client.connect();
    try {
      await client.query("UPDATE vsearch_libraries SET generation = generation + 1 WHERE library = 'hnsw_lib'");
    } finally {
      await client.end();
    }
    const after = await hnswPg.snapshot();
    expect(after).not.toBe(before);
    expect(after.manifest.generation).toBe(before.manifest.generation + 1);
  }, 120_000);

  it('caps hnsw.ef_search at the 1000 pgvector allows when the library asks for a wider search', async () => {
    const client = new pg.Client({ connectionString: db().url });
    await client.connect();
    try {
      await client.query(
        `UPDATE vsearch_libraries SET index_settings = index_settings || '{"ef": 5000, "efFixed": true}'::jsonb, generation = generation + 1 WHERE library = 'hnsw_lib'`,
      );
      const [vector = []] = queryVectors();
      const steps: number[] = [];
      const storage = await PgSearchStorage.open(parsePgTarget(url('hnsw_lib')), await tempDir());
      try {
        const response = await runSearch({ vector }, { storage, embedder: undefined, onStep: (s) => steps.push(s.ef) });
        expect(response.data).toHaveLength(10);
        expect(steps).toEqual([5000]);
      } finally {
        await storage.close();
      }
    } finally {
      await client.query(
        `UPDATE vsearch_libraries SET index_settings = index_settings - 'efFixed' || '{"ef": 64}'::jsonb, generation = generation + 1 WHERE library = 'hnsw_lib'`,
      );
      await client.end();
    }
  }, 120_000);

  it('honours a page token issued by another library instance on the same database', async () => {
    const [vector = []] = queryVectors();
    const first = await hnswPg.search({ vector });
    await hnswPg.flush();
    const token = first.page_info.next_page_token;
    expect(token).toBeDefined();
    const other = await openLibrary(url('hnsw_lib'), { queryCacheDir: await tempDir() });
    try {
      const second = await other.search({ pageToken: token ?? '' });
      const same = await hnswPg.search({ pageToken: token ?? '' });
      expect(keysOf(second)).toEqual(keysOf(same));
      expect(keysOf(second)).toHaveLength(10);
      expect(keysOf(second).some((key) => keysOf(first).includes(key))).toBe(false);
    } finally {
      await other.close();
    }
  }, 120_000);
});
