import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, testVector } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIM = 16;
const corpus = [...clipSegments('a', 6, DIM, 1), ...clipSegments('b', 6, DIM, 2)];

/**
 * Where page records cannot be written, a search says paging is unavailable instead of
 * issuing a token. Tests run as root, which ignores permission bits, so here cache/ is a plain
 * file (ENOTDIR); the fault table (test/faults/inputs.test.ts) runs the permission case as
 * another user.
 */
describe('paging on a library whose page records cannot be written', () => {
  it('answers the first page exactly, issues no token, says why, and closes cleanly', async () => {
    const { lib, work: dir } = await tempLibrary({
      segments: corpus,
      file: 'in.jsonl',
      importOptions: { model: 'custom-16' },
    });
    await lib.close();
    await rm(join(dir, 'lib', 'cache'), { recursive: true, force: true });
    await writeFile(join(dir, 'lib', 'cache'), 'not a folder');
    const reopened = await openLibrary(join(dir, 'lib'));
    const query = testVector(DIM, 99);
    const response = await reopened.search({ vector: query, pageLimit: 4 });
    expect(response.data.map(hitKey)).toEqual(
      exactClips(corpus, [query])
        .slice(0, 4)
        .map((hit) => hit.key),
    );
    expect(response.page_info.next_page_token).toBeUndefined();
    expect(response.page_info.total_results).toBe(corpus.length);
    expect(response.page_info.paging_unavailable).toMatch(
      /page records cannot be written in .*\(ENOTDIR\), so no page token was issued/,
    );
    // A search whose results fit one page needs no token and says nothing.
    expect((await reopened.search({ vector: query, pageLimit: 50 })).page_info.paging_unavailable).toBeUndefined();
    await expect(reopened.close()).resolves.toBeUndefined();
  });
});
