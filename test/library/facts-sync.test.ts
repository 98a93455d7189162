import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { syncFacts } from '../../src/library/facts-sync.js';
import { openLibrary } from '../../src/library/index.js';
import { INDEX_DIR } from '../../src/library/index-dir.js';
import { LocalSearchStorage } from '../../src/library/local-search-storage.js';
import { FACTS_FILE } from '../../src/query/facts-file.js';
import { LabelFacts } from '../../src/query/label-facts.js';
import { LabelScorer } from '../../src/query/stages/match.js';
import { SegmentStore } from '../../src/store/index.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIM = 16;
const corpus = [
  ...clipSegments('a', 5, DIM, 1, { metadata: { k: 1 } }),
  ...clipSegments('b', 4, DIM, 2),
  ...clipSegments('c', 3, DIM, 3, { embedding_option: 'audio' }),
];

async function library(kind: 'hnsw' | 'exact' = 'hnsw') {
  const { lib, dir, work } = await tempLibrary({
    index: { kind },
    segments: corpus,
    importOptions: { model: 'custom-16' },
  });
  return { lib, dir, work, factsPath: join(dir, INDEX_DIR, FACTS_FILE) };
}

function sameFacts(a: LabelFacts, b: LabelFacts): void {
  expect([...a.video]).toEqual([...b.video]);
  expect([...a.option]).toEqual([...b.option]);
  expect([...a.group]).toEqual([...b.group]);
  expect([...a.start]).toEqual([...b.start]);
  expect([...a.end]).toEqual([...b.end]);
  expect(a.options).toEqual(b.options);
  expect(a.videos.map((v) => [v.id, v.durationSec, [...v.labels]])).toEqual(
    b.videos.map((v) => [v.id, v.durationSec, [...v.labels]]),
  );
  expect(a.groups.map((g) => [g.video, g.filename, g.metadata, [...g.labels]])).toEqual(
    b.groups.map((g) => [g.video, g.filename, g.metadata, [...g.labels]]),
  );
  expect(a.size).toBe(b.size);
  expect(a.totalDuration).toBe(b.totalDuration);
}

describe('the label facts file', () => {
  it('is written by an import and read back as the facts gathered from the store', async () => {
    const { dir, factsPath } = await library();
    expect((await stat(factsPath)).size).toBeGreaterThan(0);
    const store = await SegmentStore.open(dir);
    const fromFile = await syncFacts(store);
    const fromStore = await LabelFacts.build(store);
    sameFacts(fromFile, fromStore);
    expect(fromStore.size).toBe(corpus.length);
    expect(fromFile.videos.map((v) => v.id)).toEqual(['a', 'b', 'c']);
  });

  it('reads no segment file when the facts file is current, and scores only after load', async () => {
    const { dir } = await library();
    const store = await SegmentStore.open(dir);
    const files = vi.spyOn(store, 'file');
    const snapshot = await new LocalSearchStorage(
      store,
      () => undefined,
      (s) => syncFacts(s),
    ).snapshot();
    expect(files).not.toHaveBeenCalled();
    const query = new Float32Array(testVector(DIM, 7));
    const scorer = new LabelScorer(snapshot);
    expect(() => scorer.dot(query, 0)).toThrow(/load\(\)/);
    await scorer.load();
    expect(snapshot.loadedVectors()).toHaveLength(1);
    expect(Number.isFinite(scorer.dot(query, 0))).toBe(true);
  });

  it('is rebuilt from the store when missing, damaged or written for other files', async () => {
    const { dir, factsPath, work } = await library();
    const store = await SegmentStore.open(dir);
    const reference = await LabelFacts.build(store);

    await rm(factsPath);
    const cold = await SegmentStore.open(dir);
    sameFacts(await syncFacts(cold), reference);
    // Gathered file by file, outside the store's cache: no vectors stay behind.
    expect(cold.fileNames.some((name) => cold.isLoaded(name))).toBe(false);
    expect((await stat(factsPath)).size).toBeGreaterThan(0);

    const good = await readFile(factsPath);
    await writeFile(factsPath, good.subarray(0, good.length - 8));
    const warnings: string[] = [];
    sameFacts(await syncFacts(store, { onWarning: (m) => warnings.push(m) }), reference);
    expect(warnings.join('\n')).toMatch(/damaged/);
    expect(await readFile(factsPath)).toEqual(good);

    // Facts of an older set of files are stale: another import makes new facts.
    const lib = await openLibrary(dir);
    await lib.importSegments(await writeJsonl(work, 'more.jsonl', clipSegments('d', 2, DIM, 4)), {
      model: 'custom-16',
    });
    await writeFile(factsPath, good);
    const reopened = await SegmentStore.open(dir);
    const fresh = await syncFacts(reopened);
    expect(fresh.videos.map((v) => v.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(fresh.size).toBe(corpus.length + 2);
    expect((await readFile(factsPath)).equals(good)).toBe(false);
  });

  it('follows rm: the removed video leaves the facts and the search results', async () => {
    const { lib, dir } = await library();
    await lib.removeVideo('b');
    const facts = await syncFacts(await SegmentStore.open(dir));
    expect(facts.videos.map((v) => v.id)).toEqual(['a', 'c']);
    const reopened = await openLibrary(dir);
    const response = await reopened.search({ vector: testVector(DIM, 2000), pageLimit: 50 });
    expect(response.data.some((hit) => hit.video_id === 'b')).toBe(false);
    expect(response.data).toHaveLength(corpus.length - 4);
  });

  it('leaves no temp file behind', async () => {
    const { dir } = await library();
    expect((await readdir(join(dir, INDEX_DIR))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
