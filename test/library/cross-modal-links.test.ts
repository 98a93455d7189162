import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndexSidecar } from '../../src/index/index.js';
import { openLibrary } from '../../src/library/index.js';
import { INDEX_DIR } from '../../src/library/index-sync.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const DIM = 32;
const MODEL = { model: 'custom-32' };
const QUERIES = 150;

const sidecarOf = async (lib: string): Promise<IndexSidecar> =>
  JSON.parse(await readFile(join(lib, INDEX_DIR, 'sidecar.json'), 'utf8')) as IndexSidecar;

/** An HNSW library of 40 videos x 30 clips and, when asked, cached text queries. */
async function hnswLibrary(cachedQueries: number) {
  const work = await tempDir();
  const dir = join(work, 'lib');
  const segments = Array.from({ length: 40 }, (_, v) => clipSegments(`video-${v}`, 30, DIM, v + 1)).flat();
  const lib = await openLibrary(dir, { create: true, index: { kind: 'hnsw' } });
  await lib.importSegments(await writeJsonl(work, 'segments.jsonl', segments), MODEL);
  for (let q = 0; q < cachedQueries; q++)
    await lib.cacheQuery({ modality: 'text', text: `query ${q}` }, testVector(DIM, 90_000 + q));
  await lib.close();
  return { dir, work };
}

describe('vsearch build --cross-modal-edges (OpenLibraryOptions.crossModalEdges)', () => {
  it("links the graph from the cache's text queries once asked, and keeps the links when the graph is extended later without asking", async () => {
    const { dir, work } = await hnswLibrary(QUERIES);
    expect((await sidecarOf(dir)).crossModalEdges).toBeUndefined();

    const warnings: string[] = [];
    const linked = await openLibrary(dir, { crossModalEdges: true, onWarning: (m) => warnings.push(m) });
    const record = (await sidecarOf(dir)).crossModalEdges;
    expect(warnings).toEqual([]);
    expect(record?.queries).toBe(QUERIES);
    expect(record?.links).toBeGreaterThan(0);
    expect(record?.graphPoints).toBe(40 * 30);
    const hits = await linked.search({ text: 'query 3' });
    expect(hits.data.length).toBeGreaterThan(0);
    await linked.close();

    const later = await openLibrary(dir);
    await later.importSegments(await writeJsonl(work, 'more.jsonl', clipSegments('video-new', 30, DIM, 77)), MODEL);
    await later.close();
    // A small import is recorded in the sidecar (its rows are inserted when the graph is read): the links stay.
    const extended = await sidecarOf(dir);
    expect(extended.count).toBe(40 * 30);
    expect(extended.labelsBelow).toBe(40 * 30);
    expect(extended.crossModalEdges).toEqual(record);

    // Asked again, over the grown graph: projected anew, once; asked with nothing changed, left as it is.
    const graphBefore = extended.graph;
    await (await openLibrary(dir, { crossModalEdges: true })).close();
    const relinked = await sidecarOf(dir);
    expect(relinked.crossModalEdges?.graphPoints).toBe(41 * 30);
    expect(relinked.graph).not.toBe(graphBefore);
    await (await openLibrary(dir, { crossModalEdges: true })).close();
    expect((await sidecarOf(dir)).graph).toBe(relinked.graph);
  });

  it('says so, and saves the graph without links, when the cache holds no cross-modal query', async () => {
    const { dir } = await hnswLibrary(0);
    const warnings: string[] = [];
    const lib = await openLibrary(dir, { crossModalEdges: true, onWarning: (m) => warnings.push(m) });
    await lib.close();
    expect(warnings.join('\n')).toMatch(/no cached text, image or audio queries/);
    expect((await sidecarOf(dir)).crossModalEdges).toBeUndefined();
  });
});
