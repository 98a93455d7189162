import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { measureArrowThroughput } from '../../src/bench/arrow-throughput.js';
import { benchSegmentRows, CLIPS_PER_VIDEO, encodeBenchSegments, rowOfHit } from '../../src/bench/segment-fixture.js';
import { syntheticVectors } from '../../src/bench/synthetic.js';
import { decodeSegmentFile } from '../../src/store/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const vectors = syntheticVectors({ count: 50, dimension: 8, seed: 1 });

describe('benchmark segment rows', () => {
  it('gives each row a (video, start) that names it again', () => {
    const rows = benchSegmentRows(vectors, 8, 'bench-model');
    expect(rows.count).toBe(50);
    for (const row of [0, 1, CLIPS_PER_VIDEO - 1, CLIPS_PER_VIDEO, 49])
      expect(rowOfHit(rows.videoId[row] as string, rows.startSec[row] as number)).toBe(row);
    expect(rowOfHit('someone-else', 0)).toBe(-1);
  });

  it('encodes a segment file the store reads back', () => {
    const file = decodeSegmentFile(
      'bench.arrow',
      encodeBenchSegments(benchSegmentRows(vectors, 8, 'bench-model'), 'bench-model'),
    );
    expect(file.count).toBe(50);
    expect(file.model).toBe('bench-model');
    expect(Array.from(file.vector(7))).toEqual(Array.from(vectors.subarray(56, 64)));
    expect(file.string('video_id', 21)).toBe('v1');
  });
});

describe('measureArrowThroughput', () => {
  const tempDir = useTempDirs();
  it('reports write and read throughput of the segment file and of the raw vector bytes, and cleans up', async () => {
    const dir = await tempDir();
    const rows = benchSegmentRows(vectors, 8, 'm');
    const figures = await measureArrowThroughput(
      rows,
      Uint32Array.from({ length: 50 }, (_, i) => i),
      'm',
      dir,
      2,
    );
    expect(figures).toMatchObject({ rows: 50, vectorBytes: 50 * 8 * 4, repeats: 2 });
    expect(figures.bytes).toBeGreaterThan(figures.vectorBytes);
    for (const step of [figures.encode, figures.write, figures.read, figures.rawWrite, figures.rawRead]) {
      // Seconds are rounded to 0.1 ms, which a 1.6 kB read can take less than.
      expect(step.seconds).toBeGreaterThanOrEqual(0);
      expect(step.mbPerSecond).toBeGreaterThan(0);
      expect(step.rowsPerSecond).toBeGreaterThan(0);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
