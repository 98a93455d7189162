import { type SegmentRows, SegmentRowsBuilder } from '../../src/store/index.js';
import type { Metadata } from '../../src/types.js';
import { testVector } from './segments.js';

/**
 * A batch of `clips` segments for each video, vectors seeded by `seed`; every clip's embedding
 * option is visual unless `optionOf` says otherwise.
 */
export function rowsOf(
  videos: Record<string, number>,
  dimension = 8,
  seed = 1,
  optionOf: (clip: number) => string = () => 'visual',
  metadataOf: (videoId: string, clip: number) => Metadata = (_, clip) => ({ clip }),
): SegmentRows {
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
          embeddingOption: optionOf(clip),
          embeddingScope: 'clip',
          modelName: 'marengo3.0',
          metadata: metadataOf(videoId, clip),
        },
        { file: 'test' },
      );
    }
  }
  return builder.build();
}
