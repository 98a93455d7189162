import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { memoryNeeds, outgrowsMemoryWarning } from '../../src/library/capacity.js';
import { openLibrary } from '../../src/library/index.js';
import { clipSegments, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

// The machine's memory, as os.totalmem reports it, is what a test sets (16 GiB unless a test lowers it).
const machine = vi.hoisted(() => ({ bytes: 16 * 1024 ** 3 }));
vi.mock('node:os', async (original) => {
  const real = await original<typeof import('node:os')>();
  return { ...real, totalmem: () => machine.bytes, default: { ...real, totalmem: () => machine.bytes } };
});

const tempDir = useTempDirs();

describe('capacity', () => {
  it('counts the vectors and a graph holding its own copy of each vector plus its links', () => {
    machine.bytes = 16 * 1024 ** 3;
    const needs = memoryNeeds(1_000_000, 512, 16, true);
    expect(needs.vectors_bytes).toBe(1_000_000 * 512 * 4);
    // Vector copy plus level-0 links (33 ids), label, upper levels and bookkeeping.
    expect(needs.graph_bytes / 1_000_000).toBeGreaterThan(512 * 4 + 33 * 4);
    // bench/capacity.mjs measured 2604 bytes per segment at 512-d, M 16.
    expect(needs.graph_bytes / 1_000_000).toBeGreaterThan(2500);
    expect(needs.graph_bytes / 1_000_000).toBeLessThan(2700);
    expect(memoryNeeds(1000, 512, 16, false).graph_bytes).toBe(0);
    expect(needs.machine_bytes).toBe(16 * 1024 ** 3);
  });

  it('warns only past the share of memory a library may take, and points at moving it to PostgreSQL', () => {
    machine.bytes = 16 * 1024 ** 3;
    expect(outgrowsMemoryWarning(1_000_000, 512, 16)).toBeUndefined();
    expect(outgrowsMemoryWarning(5_000_000, 512, 16)).toMatch(
      /5000000 segments \(512-d\) needs about .* of this machine's 16\.0 GiB.*Move it to PostgreSQL with pgvector \(`vsearch sync --from DIR --to postgres:\/\/.*then `--lib postgres:\/\/\.\.\.`\)/,
    );
  });

  it('warns on an import that makes the library outgrow the machine', async () => {
    const work = await tempDir();
    const file = await writeJsonl(work, 'a.jsonl', clipSegments('a', 20, 8, 1));
    const warnings: string[] = [];
    const lib = await openLibrary(join(work, 'lib'), { create: true, onWarning: (message) => warnings.push(message) });
    try {
      machine.bytes = 16 * 1024 ** 3;
      await lib.importSegments(file, { model: 'custom-8' });
      expect(warnings.filter((message) => message.includes('PostgreSQL'))).toEqual([]);
      machine.bytes = 4096;
      await lib.importSegments(await writeJsonl(work, 'b.jsonl', clipSegments('b', 20, 8, 2)), { model: 'custom-8' });
      expect(warnings.filter((message) => message.includes('PostgreSQL'))).toEqual([
        expect.stringMatching(/^this library of 40 segments \(8-d\)/),
      ]);
      expect((await lib.stats()).memory).toMatchObject({ vectors_bytes: 40 * 8 * 4, machine_bytes: 4096 });
    } finally {
      await lib.close();
    }
  });
});
