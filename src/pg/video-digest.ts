import { createHash } from 'node:crypto';
import type { SegmentRows } from '../store/index.js';

/** A digest of a video's segments (identity, fields, metadata, vector bits), independent of row order. */
export function videoDigest(rows: SegmentRows): string {
  const lines: string[] = [];
  for (let row = 0; row < rows.count; row++) {
    const vector = Buffer.from(
      rows.vectors.buffer,
      rows.vectors.byteOffset + row * rows.dimension * 4,
      rows.dimension * 4,
    );
    const fields = [
      rows.embeddingOption[row],
      rows.embeddingScope[row],
      rows.startSec[row],
      rows.endSec[row],
      rows.source[row],
      rows.contentSha256[row],
      rows.modality[row],
      rows.modelName[row],
      rows.metadata[row],
    ];
    lines.push(`${JSON.stringify(fields)}${vector.toString('hex')}`);
  }
  lines.sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest('hex');
}
