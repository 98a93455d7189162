import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openLibrary } from '../../src/library/index.js';
import {
  encodeSegmentFile,
  SEGMENTS_DIR,
  type SegmentRows,
  SegmentRowsBuilder,
  SegmentStore,
} from '../../src/store/index.js';
import { clipSegments, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const CAP = 250;
const DIM = 8;

interface Seen {
  /** Rows of each batch the import handed to the store, in order. */
  batches: number[];
  /** Segment files on disk when each batch after the first arrived: the earlier batches were written, not held. */
  filesBefore: number[];
}

/** Watches the batches a streaming import hands to the store (the real appendBatches runs). */
function watchBatches(dir: string): Seen {
  const seen: Seen = { batches: [], filesBefore: [] };
  const real = SegmentStore.prototype.appendBatches;
  vi.spyOn(SegmentStore.prototype, 'appendBatches').mockImplementation(function (this: SegmentStore, produce) {
    return real.call(this, (put) =>
      produce(async (rows: SegmentRows, model: string) => {
        if (seen.batches.length > 0)
          seen.filesBefore.push(
            (await readdir(join(dir, SEGMENTS_DIR))).filter((name) => name.endsWith('.arrow')).length,
          );
        seen.batches.push(rows.count);
        await put(rows, model);
      }),
    );
  });
  return seen;
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function arrowFile(dir: string, videos: number, clips: number): Promise<string> {
  const builder = new SegmentRowsBuilder();
  for (let v = 0; v < videos; v++) {
    for (let c = 0; c < clips; c++) {
      builder.add(
        {
          videoId: `a${v}`,
          vector: testVector(DIM, v * 100 + c + 1),
          startSec: c * 6,
          endSec: c * 6 + 6,
          source: '',
          contentSha256: '',
          modality: 'video',
          embeddingOption: 'visual',
          embeddingScope: 'clip',
          modelName: 'custom-8',
          metadata: {},
        },
        { file: 'test' },
      );
    }
  }
  const rows = builder.build();
  const path = join(dir, 'big.arrow');
  await writeFile(
    path,
    encodeSegmentFile(
      rows,
      Uint32Array.from({ length: rows.count }, (_, i) => i),
      'custom-8',
    ),
  );
  return path;
}

describe('streaming imports', () => {
  it.each([
    ['JSONL', 'big.jsonl'],
    ['Arrow', 'big.arrow'],
  ])(
    'hold one batch of the segment file cap, not the file, while importing %s several times the cap',
    async (_kind, name) => {
      const work = await tempDir();
      const lib = join(work, 'lib');
      const file = name.endsWith('.arrow')
        ? await arrowFile(work, 40, 30)
        : await writeJsonl(
            work,
            name,
            Array.from({ length: 40 }, (_, v) => clipSegments(`a${v}`, 30, DIM, v + 1)).flat(),
          );
      const library = await openLibrary(lib, { create: true, segmentFileRows: CAP });
      try {
        const seen = watchBatches(lib);
        const summary = await library.importSegments(file, { model: 'custom-8' });
        expect(summary).toMatchObject({ segments: 1200, videos: 40 });
        expect(seen.batches).toEqual([250, 250, 250, 250, 200]);
        expect(seen.filesBefore).toEqual([1, 2, 3, 4]);
        const stats = await library.stats();
        expect(stats).toMatchObject({ segments: 1200, videos: 40 });
        expect((await library.doctor()).healthy).toBe(true);
      } finally {
        await library.close();
      }
    },
  );

  it('leaves nothing visible and no file behind when a row past several batches is bad', async () => {
    const work = await tempDir();
    const lib = join(work, 'lib');
    const good = Array.from({ length: 30 }, (_, v) => clipSegments(`a${v}`, 30, DIM, v + 1)).flat();
    const file = await writeJsonl(work, 'bad.jsonl', [
      ...good,
      { video_id: 'z', start_sec: 5, end_sec: 1, embedding: testVector(DIM, 9) },
    ]);
    const library = await openLibrary(lib, { create: true, segmentFileRows: CAP });
    try {
      await library.importSegments(await writeJsonl(work, 'first.jsonl', clipSegments('first', 3, DIM, 99)), {
        model: 'custom-8',
      });
      const before = await readdir(join(lib, SEGMENTS_DIR));
      const seen = watchBatches(lib);
      const failure = await library.importSegments(file, { model: 'custom-8' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InputError);
      expect((failure as Error).message).toMatch(/bad\.jsonl:901: start_sec \(5\) must be less than end_sec \(1\)/);
      // Three batches went to disk before the bad row, and were removed.
      expect(seen.batches).toEqual([250, 250, 250]);
      expect(await readdir(join(lib, SEGMENTS_DIR))).toEqual(before);
      expect(await library.stats()).toMatchObject({ segments: 3, videos: 1 });
    } finally {
      await library.close();
    }
    const reopened = await openLibrary(lib);
    try {
      expect(await reopened.stats()).toMatchObject({ segments: 3, videos: 1 });
    } finally {
      await reopened.close();
    }
  });
});
