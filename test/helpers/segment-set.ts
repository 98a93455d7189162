import { SegmentStore } from '../../src/store/index.js';

/** Every stored segment as "video@start-end/option/scope#vector-digest", sorted: duplicates and losses both show. */
export async function segmentSet(lib: string): Promise<string[]> {
  const store = await SegmentStore.open(lib);
  const rows: string[] = [];
  for (const file of await store.allFiles()) {
    for (let row = 0; row < file.count; row++) {
      const vector = file.vector(row);
      let digest = 0;
      for (let i = 0; i < vector.length; i++) digest = (digest * 31 + Math.round((vector[i] as number) * 1e6)) | 0;
      rows.push(
        `${file.string('video_id', row)}@${file.startSec[row]}-${file.endSec[row]}/${file.string('embedding_option', row)}/${file.string('embedding_scope', row)}#${digest}`,
      );
    }
  }
  return rows.sort();
}
