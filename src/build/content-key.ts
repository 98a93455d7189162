import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, streamed: media files can be gigabytes. */
export function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path, signal === undefined ? {} : { signal });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * What makes two embeddings the same purchase: the same bytes (or URL), model,
 * modality and segmentation. Content with the same key is never embedded twice.
 */
export function contentKey(parts: {
  sha256: string;
  model: string;
  modality: string;
  clipLengthSec: number | undefined;
}): string {
  return `${parts.sha256}|${parts.model}|${parts.modality}|clip=${parts.clipLengthSec ?? 'default'}`;
}
