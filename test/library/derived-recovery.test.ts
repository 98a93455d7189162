import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { ReloadingLibrary, startSearchServer } from '../../src/server/index.js';
import { exactClips } from '../helpers/exact-search.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempLibraries } from '../helpers/temp-library.js';

const tempLibrary = useTempLibraries();
const DIM = 16;
const TEXT = 'what the server is asked';
const QUERY = testVector(DIM, 777);

async function damageGraphLink(lib: string): Promise<void> {
  const sidecar = JSON.parse(await readFile(join(lib, 'index', 'sidecar.json'), 'utf8')) as { graph: string };
  const path = join(lib, 'index', sidecar.graph);
  const perElement = Number((await readFile(path)).readBigUInt64LE(24));
  const handle = await open(path, 'r+');
  const id = Buffer.alloc(4);
  id.writeUInt32LE(0x0fff_ffff);
  await handle.write(id, 0, 4, 96 + 4 * perElement + 4); // point 4's first level-0 link
  await handle.close();
}

describe('a server over a library whose graph is damaged under it', () => {
  it('reloads after another writer, refuses the damaged graph, rebuilds it, and answers exactly', async () => {
    // Past 2000 segments, so searches ask the graph rather than scanning exactly.
    const first = Array.from({ length: 210 }, (_, v) => clipSegments(`v${v}`, 10, DIM, v + 1)).flat();
    const extra = Array.from({ length: 3 }, (_, v) => clipSegments(`x${v}`, 10, DIM, v + 500)).flat();
    const {
      lib: writer,
      dir: lib,
      work: dir,
    } = await tempLibrary({
      index: { kind: 'hnsw', ef: 4000 },
      segments: first,
      file: 'first.jsonl',
      importOptions: { model: 'recovery-test' },
    });
    await writer.cacheQuery({ modality: 'text', text: TEXT }, QUERY);

    const warnings: string[] = [];
    const served = await ReloadingLibrary.open(() =>
      openLibrary(lib, { onWarning: (message) => warnings.push(message) }),
    );
    const server = await startSearchServer({ library: served });
    try {
      // Another process's write replaces the manifest and the graph; then the new graph is damaged.
      await writer.importSegments(await writeJsonl(dir, 'extra.jsonl', extra), { model: 'recovery-test' });
      await damageGraphLink(lib);
      const form = new FormData();
      form.append('index_id', served.manifest.id);
      form.append('query_text', TEXT);
      form.append('search_options', 'visual');
      form.append('page_limit', '10');
      const response = await fetch(`${server.url}/search`, { method: 'POST', body: form });
      const body = (await response.json()) as { data: { video_id: string; start: number }[] };
      expect(response.status, JSON.stringify(body)).toBe(200);
      const exact = exactClips([...first, ...extra], [QUERY])
        .slice(0, 10)
        .map((hit) => `${hit.video}@${hit.start}`);
      expect(body.data.map((hit) => `${hit.video_id}@${hit.start}`)).toEqual(exact);
      expect(warnings).toEqual([
        expect.stringMatching(/point 4 links to point 268435455 .*rebuilding the index from the store/),
      ]);
      // The rebuilt graph was saved: the library is sound again.
      expect((await writer.doctor()).healthy).toBe(true);
    } finally {
      await server.close();
      await served.close();
      await writer.close();
    }
  });
});
