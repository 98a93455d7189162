import { SegmentRowsBuilder, type SegmentRows } from '../../src/store/index.js';
import { testVector } from '../helpers/segments.js';

/** A batch of `clips` segments for each video, vectors seeded by `seed`. */
export function rowsOf(videos: Record<string, number>, dimension = 8, seed = 1): SegmentRows {
  const builder = new SegmentRowsBuilder();
  let n = 0;
  for (const [videoId, clips] of Object.entries(videos)) {
    for (let clip = 0; clip < clips; clip++) {
      builder.add(
        {
          videoId,
          vector: testVector(dimension, seed * 100 + n++),
          startSec: clip * 6,
          endSec: clip * 6 + 6,
          source: `${videoId}.mp4`,
          contentSha256: 'abc',
          modality: 'video',
          embeddingOption: 'visual',
          embeddingScope: 'clip',
          modelName: 'marengo3.0',
          metadata: { clip },
        },
        { file: 'test' },
      );
    }
  }
  return builder.build();
}
