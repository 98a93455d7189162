import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticVectors } from '../../src/bench/synthetic.js';
import { checkGraphFile, GraphFileDamage, HnswIndex } from '../../src/index/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const DIM = 8;
const COUNT = 600;
const M = 4; // small M: several levels, so upper-level links exist
const tempDir = useTempDirs();

interface Layout {
  bytes: Buffer;
  count: number;
  perElement: number;
  labelOffset: number;
  linksStart: number;
  maxLevel: number;
  entryPoint: number;
  /** Byte offset of each point's upper-level list size, and its level. */
  upper: { at: number; level: number }[];
}

function layoutOf(bytes: Buffer): Layout {
  const count = Number(bytes.readBigUInt64LE(16));
  const perElement = Number(bytes.readBigUInt64LE(24));
  const labelOffset = Number(bytes.readBigUInt64LE(32));
  const maxLevel = bytes.readInt32LE(48);
  const entryPoint = bytes.readUInt32LE(52);
  const linksStart = 96 + count * perElement;
  const perLevel = M * 4 + 4;
  const upper: { at: number; level: number }[] = [];
  let at = linksStart;
  for (let i = 0; i < count; i++) {
    const size = bytes.readUInt32LE(at);
    upper.push({ at, level: size / perLevel });
    at += 4 + size;
  }
  return { bytes, count, perElement, labelOffset, linksStart, maxLevel, entryPoint, upper };
}

let good: Buffer;
let layout: Layout;

beforeAll(async () => {
  const dir = await tempDir();
  const index = new HnswIndex({ dimension: DIM, M, efConstruction: 40, capacity: COUNT, seed: 3, threads: 1 });
  index.add(
    syntheticVectors({ count: COUNT, dimension: DIM, seed: 5, clusters: 4 }),
    Uint32Array.from({ length: COUNT }, (_, i) => i),
  );
  index.remove([7]);
  await index.writeGraph(join(dir, 'g.bin'));
  good = await readFile(join(dir, 'g.bin'));
  layout = layoutOf(good);
});

async function check(bytes: Buffer): Promise<unknown> {
  const path = join(await tempDir(), 'g.bin');
  await writeFile(path, bytes);
  return checkGraphFile(path, { dimension: DIM, labels: true }).then(
    (facts) => facts,
    (error: unknown) => error,
  );
}

function damaged(edit: (bytes: Buffer, l: Layout) => void): Buffer {
  const copy = Buffer.from(good);
  edit(copy, layout);
  return copy;
}

const upperPoint = (l: Layout): { at: number; level: number; index: number } => {
  const index = l.upper.findIndex((u) => u.level >= 1);
  return { ...(l.upper[index] as { at: number; level: number }), index };
};

describe('checkGraphFile', () => {
  it('accepts a graph hnswlib wrote and reports what it holds, with the crc32 of the whole file', async () => {
    const facts = await check(good);
    expect(facts).toMatchObject({
      count: COUNT,
      dimension: DIM,
      M,
      efConstruction: 40,
      deleted: 1,
      maxElements: COUNT,
      bytes: good.length,
    });
    expect((facts as { checksum: string }).checksum).toBe(`crc32:${(crc32(good) >>> 0).toString(16).padStart(8, '0')}`);
    const labels = (facts as { labels: Uint32Array }).labels;
    expect([...labels].sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(layout.maxLevel).toBeGreaterThanOrEqual(2);
  });

  const cases: [string, (bytes: Buffer, l: Layout) => void, RegExp][] = [
    [
      'a level-0 link count past maxM0',
      (b) => b.writeUInt16LE(2 * M + 1, 96 + 5 * layout.perElement),
      /point 5 has a damaged level-0 link list header/,
    ],
    [
      'a level-0 link count of 65535',
      (b) => b.writeUInt16LE(0xffff, 96 + 9 * layout.perElement),
      /point 9 has a damaged level-0/,
    ],
    [
      'a level-0 link id past the point count',
      (b) => b.writeUInt32LE(COUNT + 3, 96 + 11 * layout.perElement + 4),
      /point 11 links to point 603/,
    ],
    ['unknown flag bits', (b) => b.writeUInt8(0x80, 96 + 2 * layout.perElement + 2), /point 2 has a damaged level-0/],
    [
      'a label past uint32',
      (b) => b.writeUInt32LE(1, 96 + 3 * layout.perElement + layout.labelOffset + 4),
      /label past uint32/,
    ],
    [
      'an upper-level list size that is not whole levels',
      (b, l) => b.writeUInt32LE(upperPoint(l).level * (M * 4 + 4) + 4, upperPoint(l).at),
      /damaged upper-level list size/,
    ],
    [
      'an upper-level link count past maxM',
      (b, l) => b.writeUInt16LE(M + 1, upperPoint(l).at + 4),
      /damaged link list at level 1/,
    ],
    [
      'an upper-level link id past the point count',
      (b, l) => {
        const p = upperPoint(l);
        b.writeUInt16LE(1, p.at + 4);
        b.writeUInt32LE(COUNT + 1, p.at + 8);
      },
      /links at level 1 to point 601/,
    ],
    [
      'an upper-level link to a point that is not on that level',
      (b, l) => {
        const p = upperPoint(l);
        const flat = l.upper.findIndex((u) => u.level === 0);
        b.writeUInt16LE(1, p.at + 4);
        b.writeUInt32LE(flat, p.at + 8);
      },
      /which is not on that level/,
    ],
    ['an entry point past the point count', (b) => b.writeUInt32LE(COUNT, 52), /entry point 600/],
    [
      'an entry point below the top level',
      (b, l) =>
        b.writeUInt32LE(
          l.upper.findIndex((u) => u.level === 0),
          52,
        ),
      /not the top level/,
    ],
    ["a top level past the entry point's", (b, l) => b.writeInt32LE(l.maxLevel + 1, 48), /not the top level|too many/],
    ['M changed in the header', (b) => b.writeBigUInt64LE(5n, 72), /link sizes/],
    [
      'the point count changed in the header',
      (b) => b.writeBigUInt64LE(BigInt(COUNT - 1), 16),
      /links to point 599 of 599|bytes are too many|trailing/,
    ],
    ['a capacity below the point count', (b) => b.writeBigUInt64LE(BigInt(COUNT - 1), 8), /capacity/],
    [
      'a capacity far past the point count (hnswlib would allocate it)',
      (b) => b.writeBigUInt64LE(2n ** 31n, 8),
      /capacity 2147483648 is far past its 600 points/,
    ],
    [
      'the vector width changed in the header',
      (b, l) => b.writeBigUInt64LE(BigInt(l.labelOffset + 4), 32),
      /floats, not 8|size_data_per_element/,
    ],
    ['a multiplier of another M', (b) => b.writeDoubleLE(1 / Math.log(7), 80), /multiplier/],
    ['a header field past 2^53', (b) => b.writeBigUInt64LE(2n ** 60n, 8), /out of range/],
  ];

  it.each(cases)('refuses %s', async (_case, edit, message) => {
    const error = await check(damaged(edit));
    expect(error).toBeInstanceOf(GraphFileDamage);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['truncated by one byte', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['truncated inside the level-0 block', (b: Buffer) => b.subarray(0, 96 + 10 * layout.perElement)],
    ['cut to its header', (b: Buffer) => b.subarray(0, 96)],
    ['shorter than its header', (b: Buffer) => b.subarray(0, 40)],
    ['empty', () => Buffer.alloc(0)],
    ['with trailing bytes', (b: Buffer) => Buffer.concat([b, Buffer.alloc(8)])],
    ['with one trailing byte', (b: Buffer) => Buffer.concat([b, Buffer.alloc(1)])],
  ])('refuses a file %s', async (_case, cut) => {
    expect(await check(cut(Buffer.from(good)))).toBeInstanceOf(GraphFileDamage);
  });

  it('gives another checksum for one flipped bit in a vector, which no structural check sees', async () => {
    const flipped = damaged((b) =>
      b.writeUInt8(
        b.readUInt8(96 + 4 * layout.perElement + 4 * (2 * M + 1) + 3) ^ 0x40,
        96 + 4 * layout.perElement + 4 * (2 * M + 1) + 3,
      ),
    );
    const [a, b] = [(await check(good)) as { checksum: string }, (await check(flipped)) as { checksum: string }];
    expect(b.checksum).not.toBe(a.checksum);
  });
});
