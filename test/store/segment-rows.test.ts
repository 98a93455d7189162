import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type SegmentRowInput, SegmentRowsBuilder } from '../../src/store/index.js';
import type { JsonValue } from '../../src/types.js';

function row(overrides: Partial<SegmentRowInput> = {}): SegmentRowInput {
  return {
    videoId: 'v1',
    vector: [3, 4],
    startSec: 0,
    endSec: 6,
    source: 's',
    contentSha256: '',
    modality: 'video',
    embeddingOption: 'visual',
    embeddingScope: 'clip',
    modelName: 'm',
    metadata: {},
    ...overrides,
  };
}

/** An array nested `depth` levels deep. */
function nested(depth: number): JsonValue {
  let value: JsonValue = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('SegmentRowsBuilder', () => {
  it('L2-normalizes vectors and keeps the columns', () => {
    const builder = new SegmentRowsBuilder();
    builder.add(row(), { file: 'f' });
    builder.add(row({ videoId: 'v2', vector: [0, -2], startSec: 6, endSec: 12, metadata: { a: 1 } }), { file: 'f' });
    const rows = builder.build();
    expect(rows.count).toBe(2);
    expect(rows.dimension).toBe(2);
    expect([...rows.vectors]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, -1]);
    expect(rows.videoId).toEqual(['v1', 'v2']);
    expect([...rows.startSec]).toEqual([0, 6]);
    expect(rows.metadata).toEqual(['{}', '{"a":1}']);
  });

  it.each([
    ['no video id', { videoId: '' }, /video_id/],
    ['a numeric video id', { videoId: 7 }, /video_id/],
    ['start equal to end', { startSec: 6, endSec: 6 }, /must be less than end_sec/],
    ['a negative start', { startSec: -1 }, /start_sec must be >= 0/],
    ['a string end', { endSec: '6' }, /end_sec must be a finite number/],
    ['NaN in the vector', { vector: [1, Number.NaN] }, /value 1 is not a finite number/],
    ['a zero vector', { vector: [0, 0] }, /zero vector/],
    ['no vector', { vector: undefined }, /no embedding/],
    ['an empty vector', { vector: [] }, /empty/],
    ['a value past float32 (1e200)', { vector: [1, 1e200] }, /embedding value 1 is 1e\+200, outside float32's range/],
    [
      'a value just past float32 (3.5e38)',
      { vector: [3.5e38, 1] },
      /embedding value 0 is 3\.5e\+38, outside float32's range/,
    ],
    [
      'a squared norm that underflows float32',
      { vector: [1e-30, 1e-30] },
      /the embedding has norm 1\.41e-30, too small for float32/,
    ],
    [
      'a squared norm that overflows float32',
      { vector: [1e20, 1e20] },
      /the embedding has norm 1\.41e\+20, too large for float32/,
    ],
    ['values that are zero in float32', { vector: [1e-50, 1e-50] }, /zero vector in float32/],
    [
      'a named field past float32',
      { vector: [1e200, 1], vectorField: 'data[2].embedding' },
      /data\[2\]\.embedding value 0 is 1e\+200/,
    ],
    ['metadata nested 10000 deep', { metadata: { a: nested(10_000) } }, /the metadata nests deeper than 32 levels/],
    ['metadata nested 33 deep', { metadata: { a: nested(32) } }, /the metadata nests deeper than 32 levels/],
    [
      'metadata over 64 KiB',
      { metadata: { a: 'x'.repeat(70_000) } },
      /the metadata is 70008 bytes as JSON; the limit for JSON input is 65536 bytes/,
    ],
  ])('rejects %s with the file and line', (_name, overrides, message) => {
    const builder = new SegmentRowsBuilder();
    const add = (): void => builder.add(row(overrides as Partial<SegmentRowInput>), { file: 'in.jsonl', line: 3 });
    expect(add).toThrow(InputError);
    expect(add).toThrow(message);
    expect(add).toThrow(/^in\.jsonl:3: /);
  });

  it('adds nothing of a row it refuses: the next good row is the next one stored', () => {
    const builder = new SegmentRowsBuilder();
    builder.add(row({ vector: [1, 0] }), { file: 'f', line: 1 });
    expect(() => builder.add(row({ vector: [2, 1e200] }), { file: 'f', line: 2 })).toThrow(InputError);
    builder.add(row({ vector: [0, 5], metadata: { ok: nested(31) } }), { file: 'f', line: 3 });
    const rows = builder.build();
    expect(rows.count).toBe(2);
    expect([...rows.vectors]).toEqual([1, 0, 0, 1]);
  });

  it("holds one dimension: the library's, else the first row's", () => {
    const fromLibrary = new SegmentRowsBuilder(3);
    expect(() => fromLibrary.add(row(), { file: 'f', line: 1 })).toThrow(/2 dimensions but the library has 3/);
    const fromFirstRow = new SegmentRowsBuilder();
    fromFirstRow.add(row(), { file: 'f', line: 1 });
    expect(() => fromFirstRow.add(row({ vector: [1, 2, 3] }), { file: 'f', line: 2 })).toThrow(
      /3 dimensions but the first segment of this import has 2/,
    );
  });
});
