import { constants } from 'node:buffer';
import { open } from 'node:fs/promises';
import { StoreError } from '../errors.js';
import { DEFAULT_SEGMENT_FILE_ROWS } from './segment-file-cap.js';

/** Bytes per read call: Node's readFile refuses whole files over 2 GiB, so files are read in pieces. */
const READ_CHUNK = 64 * 1024 * 1024;

/**
 * Reads a whole segment file into one buffer, checking its size first. A file larger than one
 * buffer can hold (written before files were capped, or by another tool) is a StoreError naming
 * it, never a RangeError from Node. Errors from opening or reading (ENOENT...) pass through.
 */
export async function readSegmentBytes(path: string): Promise<Buffer> {
  const limit = constants.MAX_LENGTH;
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > limit) {
      throw new StoreError(
        `segment file ${path} is ${size} bytes, more than the ${limit} bytes one buffer can hold, so it cannot be read: ` +
          `export its rows with an Arrow tool into files of at most ${DEFAULT_SEGMENT_FILE_ROWS} rows each and import them into a new library (\`importSegments\`)`,
      );
    }
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(READ_CHUNK, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    // Shorter than stat said (cut while being read): the size check against the manifest reports it.
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}
