import { open } from 'node:fs/promises';
import { type MediaFacts, probeMediaData } from '../media/index.js';

/** The duration of media stored as ordered chunk files, read in place: no joined copy is made. */
export async function probeChunkedDuration(
  chunks: ReadonlyArray<{ path: string; size: number }>,
): Promise<number | undefined> {
  const starts: number[] = [];
  let total = 0;
  for (const chunk of chunks) {
    starts.push(total);
    total += chunk.size;
  }
  const read = async (length: number, offset: number): Promise<Uint8Array> => {
    const parts: Buffer[] = [];
    let at = offset;
    let wanted = Math.min(length, total - offset);
    for (let i = 0; i < chunks.length && wanted > 0; i += 1) {
      const chunk = chunks[i];
      const start = starts[i] ?? 0;
      if (chunk === undefined || at >= start + chunk.size || at < start) continue;
      const take = Math.min(wanted, start + chunk.size - at);
      const handle = await open(chunk.path, 'r');
      try {
        const buffer = Buffer.alloc(take);
        const { bytesRead } = await handle.read(buffer, 0, take, at - start);
        parts.push(buffer.subarray(0, bytesRead));
        if (bytesRead < take) break;
      } finally {
        await handle.close();
      }
      at += take;
      wanted -= take;
    }
    return Buffer.concat(parts);
  };
  let facts: MediaFacts | undefined;
  try {
    facts = await probeMediaData(total, read);
  } catch {
    return undefined;
  }
  return facts?.durationSec;
}
