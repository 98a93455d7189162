import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/cli/format-bytes.js';
import { nativeBuildVerdict } from '../../src/index/hnswlib-binding.js';
import { type IndexSidecar, SIDECAR_FILE } from '../../src/index/index.js';
import { openLibrary } from '../../src/library/index.js';
import { INDEX_DIR } from '../../src/library/index-sync.js';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SEGMENTS = join(PROJECT_ROOT, 'data', 'marengo27-aws-sample', 'segments.jsonl');

const line = (stdout: string, key: string): string | undefined =>
  stdout.split('\n').find((row) => row.startsWith(`${key} `));

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1.0 KB'],
    [29_342, '28.7 KB'],
    [1024 * 1024 - 10, '1.0 MB'],
    [5.5 * 1024 * 1024, '5.5 MB'],
    [3 * 1024 ** 3, '3.0 GB'],
    [2 * 1024 ** 4, '2.0 TB'],
  ])('%d bytes reads %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('vsearch stats', () => {
  it('speaks in KB/MB for people and in bytes in --json, which also names the hnswlib build', async () => {
    const lib = join(await tempDir(), 'lib');
    expect(runCli(['build', '--lib', lib, '--from', SEGMENTS]).status).toBe(0);
    const json = JSON.parse(runCli(['stats', '--lib', lib, '--json']).stdout) as {
      bytes: number;
      hnswlib: { build: string; detail: string };
    };
    expect(Number.isInteger(json.bytes)).toBe(true);
    expect(json.hnswlib).toEqual({
      build: nativeBuildVerdict().usable ? 'native' : 'stock',
      detail: expect.any(String),
    });
    expect(JSON.parse(runCli(['stats', '--lib', lib, '--json'], { VSEARCH_NATIVE_HNSWLIB: '0' }).stdout)).toMatchObject(
      { hnswlib: { build: 'stock', detail: 'VSEARCH_NATIVE_HNSWLIB=0' } },
    );
    const human = runCli(['stats', '--lib', lib]).stdout;
    expect(line(human, 'on disk')).toBe(`on disk     ${formatBytes(json.bytes)}`);
    expect(line(human, 'on disk')).toMatch(/^on disk {5}\d+\.\d KB$/);
  });

  it('gives no HNSW parameters for a library searched exactly, and gives them for an HNSW one', async () => {
    const exact = join(await tempDir(), 'lib');
    expect(runCli(['build', '--lib', exact, '--from', SEGMENTS]).status).toBe(0);
    const exactLine = line(runCli(['stats', '--lib', exact]).stdout, 'index');
    expect(exactLine).toBe(
      'index       exact scan of 6 vectors (every search has recall 1; an HNSW graph takes over from 2000 segments)',
    );

    const hnsw = join(await tempDir(), 'lib');
    const library = await openLibrary(hnsw, { create: true, index: { kind: 'hnsw' } });
    await library.importSegments(SEGMENTS);
    await library.close();
    expect(line(runCli(['stats', '--lib', hnsw]).stdout, 'index')).toBe(
      'index       HNSW, 6 vectors, M=16 efConstruction=100 ef=64',
    );
  });

  it('reports the memory searches need: the vectors, and the HNSW graph once there is one', async () => {
    const exact = join(await tempDir(), 'lib');
    expect(runCli(['build', '--lib', exact, '--from', SEGMENTS]).status).toBe(0);
    const exactMemory = (
      JSON.parse(runCli(['stats', '--lib', exact, '--json']).stdout) as { memory: Record<string, number> }
    ).memory;
    expect(exactMemory).toEqual({ vectors_bytes: 6 * 1024 * 4, graph_bytes: 0, machine_bytes: expect.any(Number) });
    expect(line(runCli(['stats', '--lib', exact]).stdout, 'memory')).toBe(
      `memory      ${formatBytes(6 * 1024 * 4)} to search (${formatBytes(6 * 1024 * 4)} vectors) of this machine's ${formatBytes(exactMemory['machine_bytes'] ?? 0)}`,
    );

    const hnsw = join(await tempDir(), 'lib');
    const library = await openLibrary(hnsw, { create: true, index: { kind: 'hnsw' } });
    await library.importSegments(SEGMENTS);
    await library.close();
    const memory = (JSON.parse(runCli(['stats', '--lib', hnsw, '--json']).stdout) as { memory: Record<string, number> })
      .memory;
    expect(memory['graph_bytes']).toBeGreaterThan(6 * 1024 * 4);
    expect(line(runCli(['stats', '--lib', hnsw]).stdout, 'memory')).toMatch(
      / vectors \+ .* HNSW graph\) of this machine's /,
    );
  });

  it('answers without reading the HNSW graph: garbage of the same size in its place is found by the next query, which rebuilds it', async () => {
    const lib = join(await tempDir(), 'lib');
    const library = await openLibrary(lib, { create: true, index: { kind: 'hnsw' } });
    await library.importSegments(SEGMENTS);
    await library.close();
    const sidecar = JSON.parse(await readFile(join(lib, INDEX_DIR, SIDECAR_FILE), 'utf8')) as IndexSidecar;
    const graph = join(lib, INDEX_DIR, sidecar.graph);
    const size = (await stat(graph)).size;
    await writeFile(graph, Buffer.alloc(size, 0xa5));

    const stats = runCli(['stats', '--lib', lib, '--json']);
    expect(stats.status, stats.stderr).toBe(0);
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout)).toMatchObject({
      segments: 6,
      index: { kind: 'hnsw', count: 6, graph_file_bytes: size },
    });

    const query = runCli(['query', '--lib', lib, '--like', 'robin-bird.mp4', '--json']);
    expect(query.status, query.stderr).toBe(0);
    expect(query.stderr).toMatch(/HNSW graph .* is corrupt .*; rebuilding the index from the store/);
    expect((JSON.parse(query.stdout) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    const rebuilt = JSON.parse(await readFile(join(lib, INDEX_DIR, SIDECAR_FILE), 'utf8')) as IndexSidecar;
    expect(rebuilt.graph).not.toBe(sidecar.graph);
  });

  it('says plainly that an empty library has no model yet', async () => {
    const lib = join(await tempDir(), 'lib');
    const library = await openLibrary(lib, { create: true });
    await library.setSearchEf(64); // a library is written by its first write: this one holds no segment
    await library.close();
    const human = runCli(['stats', '--lib', lib]);
    expect(human.status, human.stderr).toBe(0);
    expect(line(human.stdout, 'model')).toBe(
      'model       none yet: the library is empty (add media or --from files with vsearch build)',
    );
    expect(human.stdout).not.toContain('(--d)');
    expect(line(human.stdout, 'index')).toBe(
      'index       none yet (no segments; an HNSW graph takes over from 2000 segments)',
    );
  });
});
