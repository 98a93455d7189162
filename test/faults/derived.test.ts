import { cp, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGraphFile } from '../../src/index/index.js';
import { runCli } from '../helpers/cli.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';
import {
  copyLibrary,
  DIM,
  expectExactQuery,
  expectNoSignal,
  type Fixture,
  lockDirectory,
  MODEL,
  makeFixture,
  serveOnce,
  unlockDirectory,
} from './derived-fixture.js';

/**
 * The fault table for derived files (issue 10): each row damages one file of index/ in one
 * way, runs one real CLI command over the library, and checks that it did not die of a
 * signal, exited as expected with the expected message, answered exactly what an exact scan
 * answers, and that `vsearch doctor` finds the library healthy after (repairing it first).
 */
const tempDir = useTempDirs();
let fixture: Fixture;
let root: string;

const suiteDir = useSuiteTempDir();
beforeAll(async () => {
  root = suiteDir();
  fixture = await makeFixture(root);
}, 180_000);

interface Sidecar {
  graph: string;
  files: string[];
  fingerprint: string;
  checksum?: string;
  [key: string]: unknown;
}

const indexOf = (lib: string): string => join(lib, 'index');
const readSidecar = async (lib: string): Promise<Sidecar> =>
  JSON.parse(await readFile(join(indexOf(lib), 'sidecar.json'), 'utf8')) as Sidecar;
const graphOf = async (lib: string): Promise<string> => join(indexOf(lib), (await readSidecar(lib)).graph);
const factsOf = (lib: string): string => join(indexOf(lib), 'facts.bin');

async function patch(path: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}

async function graphLayout(lib: string): Promise<{ path: string; perElement: number; count: number }> {
  const path = await graphOf(lib);
  const head = (await readFile(path)).subarray(0, 96);
  return { path, perElement: Number(head.readBigUInt64LE(24)), count: Number(head.readBigUInt64LE(16)) };
}

/** Rewrites the sidecar and signs it as a writer would, so the checks behind its checksum are what is tested. */
async function resign(lib: string, edit: (sidecar: Sidecar) => void): Promise<void> {
  const { checksum: _old, ...sidecar } = await readSidecar(lib);
  edit(sidecar);
  const checksum = `crc32:${(crc32(JSON.stringify(sidecar)) >>> 0).toString(16).padStart(8, '0')}`;
  await writeFile(join(indexOf(lib), 'sidecar.json'), JSON.stringify({ ...sidecar, checksum }, null, 2));
}

/** A facts.bin field's byte offset: the JSON header names the arrays' lengths in order. */
async function factsArrayOffset(lib: string, name: 'video' | 'start'): Promise<number> {
  const bytes = await readFile(factsOf(lib));
  const headerLength = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.subarray(16, 16 + headerLength).toString('utf8')) as { lengths: number[] };
  const sizes = [4, 1, 4, 8, 8]; // video i32, option u8, group i32, start f64, end f64
  const align = (n: number): number => (n + 7) & ~7;
  let at = align(16 + headerLength);
  const order = ['video', 'option', 'group', 'start', 'end'];
  for (let i = 0; i < order.indexOf(name); i++) at = align(at + (header.lengths[i] as number) * (sizes[i] as number));
  return at;
}

type Command = 'query' | 'build' | 'serve' | 'doctor';

interface Row {
  case: string;
  command: Command;
  damage: (lib: string) => Promise<void>;
  /** What the command must print on stderr (a warning naming the damage); undefined: nothing is said. */
  message: RegExp | undefined;
  /** The problem kind `vsearch doctor` reports before repair (doctor rows). */
  doctorKind?: string;
  /** Segments the library holds after the damage (another generation's file comes with an import). */
  withExtra?: boolean;
  /** index/ stays unwritable during the command. */
  readOnly?: boolean;
}

const rows: Row[] = [
  {
    case: 'graph truncated',
    command: 'query',
    damage: async (lib) => truncate(await graphOf(lib), 5000),
    message: /HNSW graph .* is corrupt .*truncated|too few/,
  },
  {
    case: 'graph link count out of range',
    command: 'query',
    damage: async (lib) => {
      const { path, perElement } = await graphLayout(lib);
      await patch(path, 96 + 17 * perElement, Buffer.from([0xff, 0xff]));
    },
    message: /point 17 has a damaged level-0 link list header/,
  },
  {
    case: 'graph link id out of range',
    command: 'build',
    damage: async (lib) => {
      const { path, perElement } = await graphLayout(lib);
      const id = Buffer.alloc(4);
      id.writeUInt32LE(0x7fff_ffff);
      await patch(path, 96 + 3 * perElement + 4, id);
    },
    message: /point 3 links to point 2147483647/,
  },
  {
    case: 'graph header M changed',
    command: 'query',
    damage: async (lib) => patch(await graphOf(lib), 72, Buffer.from([99])),
    message: /corrupt \(header link sizes M=99/,
  },
  {
    case: 'graph header count changed',
    command: 'query',
    damage: async (lib) => {
      const count = Buffer.alloc(8);
      count.writeBigUInt64LE(2400n);
      await patch(await graphOf(lib), 16, count);
    },
    message: /HNSW graph .* is corrupt/,
  },
  {
    case: 'graph header dimension changed',
    command: 'serve',
    damage: async (lib) => {
      const path = await graphOf(lib);
      const head = (await readFile(path)).subarray(0, 96);
      const labelOffset = Buffer.alloc(8);
      labelOffset.writeBigUInt64LE(head.readBigUInt64LE(32) + 4n);
      await patch(path, 32, labelOffset);
    },
    message: /HNSW graph .* is corrupt \(its points hold 17 floats, not 16\)/,
  },
  {
    case: 'graph from another library of the same size',
    command: 'query',
    damage: async (lib) => cp(fixture.foreignGraph, await graphOf(lib)),
    message: /checksum .* damaged or belongs to another index/,
  },
  {
    case: 'graph zero-length',
    command: 'build',
    damage: async (lib) => truncate(await graphOf(lib), 0),
    message: /0 bytes, shorter than its 96-byte header/,
  },
  {
    case: 'sidecar damaged JSON',
    command: 'query',
    damage: async (lib) => writeFile(join(indexOf(lib), 'sidecar.json'), '{"format": 2, "kind": "hn'),
    message: /sidecar\.json is not valid JSON/,
  },
  {
    case: 'sidecar bytes changed without its checksum',
    command: 'serve',
    damage: async (lib) => {
      const path = join(indexOf(lib), 'sidecar.json');
      await writeFile(path, (await readFile(path, 'utf8')).replace('"count": 2500', '"count": 2499'));
    },
    message: /checksum does not match its contents/,
  },
  {
    case: 'sidecar naming other files (signed)',
    command: 'query',
    damage: async (lib) =>
      resign(lib, (sidecar) => {
        sidecar.files = ['seg-000009-deadbeef.arrow'];
        sidecar.fingerprint = 'f'.repeat(64);
      }),
    message: /saved index does not match the store; rebuilding it/,
  },
  {
    case: 'facts.bin truncated',
    command: 'query',
    damage: async (lib) => truncate(factsOf(lib), 700),
    message: /facts file .* is damaged/,
  },
  {
    case: 'facts.bin video ids flipped',
    command: 'query',
    damage: async (lib) =>
      patch(factsOf(lib), await factsArrayOffset(lib, 'video'), Buffer.from([0x05, 0x00, 0x00, 0x80])),
    message: /facts file .* is damaged \(its checksum does not match/,
  },
  {
    case: 'facts.bin times flipped',
    command: 'query',
    damage: async (lib) =>
      patch(factsOf(lib), (await factsArrayOffset(lib, 'start')) + 8 * 42 + 7, Buffer.from([0xc0])),
    message: /facts file .* is damaged \(its checksum does not match/,
  },
  {
    case: 'facts.bin of another generation',
    command: 'query',
    damage: async (lib) => {
      const old = await readFile(factsOf(lib));
      const run = runCli(['build', '--from', fixture.extraFile, '--model', MODEL, '--lib', lib]);
      expect(run.status, run.stderr).toBe(0);
      await writeFile(factsOf(lib), old);
    },
    message: undefined,
    withExtra: true,
  },
  {
    case: 'index/ deleted',
    command: 'query',
    damage: async (lib) => rm(indexOf(lib), { recursive: true }),
    message: undefined,
  },
  {
    case: 'index/ deleted, then serve',
    command: 'serve',
    damage: async (lib) => rm(indexOf(lib), { recursive: true }),
    message: undefined,
  },
  {
    case: 'index/ read-only + damaged graph',
    command: 'query',
    damage: async (lib) => {
      const { path, perElement } = await graphLayout(lib);
      await patch(path, 96 + 2 * perElement, Buffer.from([0xff, 0x7f]));
    },
    message:
      /^warning: the HNSW graph .* is corrupt .*rebuilding the index from the store; cannot save the HNSW index .*searching with the index built in memory[^\n]*\n(?![\s\S]*warning)/m,
    readOnly: true,
  },
  {
    case: 'graph link id out of range, served',
    command: 'serve',
    damage: async (lib) => {
      const { path, perElement } = await graphLayout(lib);
      const id = Buffer.alloc(4);
      id.writeUInt32LE(123_456);
      await patch(path, 96 + 8 * perElement + 4, id);
    },
    message: /links to point 123456/,
  },
  {
    case: 'doctor: graph link count out of range',
    command: 'doctor',
    damage: async (lib) => {
      const { path, perElement } = await graphLayout(lib);
      await patch(path, 96 + 30 * perElement, Buffer.from([0x00, 0x10]));
    },
    message: /graph-damaged: .*point 30 has a damaged level-0 link list header/,
    doctorKind: 'graph-damaged',
  },
  {
    case: 'doctor: graph from another library',
    command: 'doctor',
    damage: async (lib) => cp(fixture.foreignGraph, await graphOf(lib)),
    message: /belongs to another index/,
    doctorKind: 'graph-damaged',
  },
  {
    case: 'doctor: one bit of a graph vector flipped (seen by the whole-file checksum)',
    command: 'doctor',
    damage: async (lib) => {
      const { path, perElement } = await graphLayout(lib);
      const at = 96 + 40 * perElement + perElement - 8 - 4 * DIM + 3; // point 40, first float's high byte
      const byte = (await readFile(path))[at] as number;
      await patch(path, at, Buffer.from([byte ^ 0x20]));
    },
    message: /graph-damaged: .*checksum crc32:.*belongs to another index/,
    doctorKind: 'graph-damaged',
  },
  {
    case: 'doctor: sidecar damaged JSON',
    command: 'doctor',
    damage: async (lib) => writeFile(join(indexOf(lib), 'sidecar.json'), '[1,'),
    message: /not valid JSON/,
    doctorKind: 'sidecar-damaged',
  },
  {
    case: 'doctor: facts.bin bytes flipped',
    command: 'doctor',
    damage: async (lib) => patch(factsOf(lib), await factsArrayOffset(lib, 'start'), Buffer.from([0xff])),
    message: /checksum does not match/,
    doctorKind: 'facts-damaged',
  },
  {
    case: 'doctor: index/ deleted',
    command: 'doctor',
    damage: async (lib) => rm(indexOf(lib), { recursive: true }),
    message: /no saved HNSW index/,
    doctorKind: 'index-missing',
  },
  {
    case: "doctor: another library's graph with a sidecar re-signed for it (same labels)",
    command: 'doctor',
    damage: async (lib) => {
      // Another library's graph and a sidecar signed for it, claiming this store's files: only a label check sees it.
      const foreign = await readFile(fixture.foreignGraph);
      await writeFile(await graphOf(lib), foreign);
      const facts = await checkGraphFile(fixture.foreignGraph, { dimension: DIM });
      await resign(lib, (sidecar) => {
        sidecar['graphChecksum'] = facts.checksum;
        sidecar['graphLinksChecksum'] = facts.linksChecksum;
      });
    },
    message:
      /index-mismatch: the graph does not hold exactly the store's segments \(its vector for label \d+ is not the store's\)/,
    doctorKind: 'index-mismatch',
  },
];

describe('fault table: derived files (index/)', () => {
  it('has at least 14 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(14);
  });

  it.each(rows)(
    '$case: $command recovers, answers exactly, and the library is healthy after',
    async (row) => {
      const lib = await copyLibrary(fixture, join(await tempDir(), 'lib'));
      const segments = row.withExtra === true ? [...fixture.segments, ...fixture.extra] : fixture.segments;
      await row.damage(lib);
      if (row.readOnly === true) await lockDirectory(indexOf(lib));
      try {
        let stderr = '';
        let expected = segments;
        if (row.command === 'query') {
          stderr = expectExactQuery(lib, fixture, segments).stderr;
        } else if (row.command === 'build') {
          const run = runCli(['build', '--from', fixture.extraFile, '--model', MODEL, '--lib', lib]);
          expectNoSignal(run, 'build');
          expect(run.status, run.stderr).toBe(0);
          expected = [...segments, ...fixture.extra];
          // A small import leaves the saved graph unread (its sidecar records the new rows): the first command that reads it finds the damage.
          stderr = run.stderr + expectExactQuery(lib, fixture, expected).stderr;
        } else if (row.command === 'serve') {
          const served = await serveOnce(lib, segments);
          expect(served.signal, served.stderr).toBeNull();
          expect(served.status, served.stderr).toBe(0);
          stderr = served.stderr;
        } else {
          const run = runCli(['doctor', '--lib', lib, '--json']);
          expectNoSignal(run, 'doctor');
          expect(run.status, run.stderr).toBe(1);
          const report = JSON.parse(run.stdout) as {
            healthy: boolean;
            problems: { kind: string; file: string; message: string }[];
          };
          expect(report.healthy).toBe(false);
          expect(report.problems.map((problem) => problem.kind)).toContain(row.doctorKind);
          const human = runCli(['doctor', '--lib', lib]);
          expect(human.status).toBe(1);
          stderr = human.stdout;
        }
        if (row.message === undefined) expect(stderr).not.toMatch(/warning|vsearch:/);
        else expect(stderr).toMatch(row.message);
        if (row.readOnly === true) {
          // Still read-only: doctor sees the damage and cannot repair it, and says so.
          const blocked = runCli(['doctor', '--lib', lib, '--repair']);
          expectNoSignal(blocked, 'doctor --repair');
          expect(blocked.status, blocked.stdout).toBe(1);
          expect(blocked.stdout).toMatch(/graph-damaged: .*not repaired/);
          expectExactQuery(lib, fixture, expected);
        }
      } finally {
        if (row.readOnly === true) await unlockDirectory(indexOf(lib));
      }
      const repaired = runCli(['doctor', '--lib', lib, '--repair', '--json']);
      expectNoSignal(repaired, 'doctor --repair');
      expect(repaired.status, repaired.stdout + repaired.stderr).toBe(0);
      expect((JSON.parse(repaired.stdout) as { healthy: boolean }).healthy).toBe(true);
      const after = runCli(['doctor', '--lib', lib, '--json']);
      expect(after.status, after.stdout).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({
        healthy: true,
        problems: [],
        checked: { manifest: true, index: 'hnsw', graph: true, facts: true },
      });
      // No segment lost: the repaired library answers the exact scan's top 10 over every segment.
      const expectedAll =
        row.command === 'build' || row.withExtra === true ? [...fixture.segments, ...fixture.extra] : fixture.segments;
      expectExactQuery(lib, fixture, expectedAll);
      const stats = runCli(['stats', '--lib', lib, '--json']);
      expect((JSON.parse(stats.stdout) as { segments: number }).segments).toBe(expectedAll.length);
      expect((await readdir(indexOf(lib))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    },
    180_000,
  );
});
