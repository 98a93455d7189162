/** fsync for durability: a file's bytes, and a directory's entries after a rename in it. */
import { open } from 'node:fs/promises';

/** fsync the file (or directory) at `path`. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Where a directory cannot be opened or fsynced (Windows: EISDIR or EPERM; some file systems:
 * EINVAL; a directory its writer may not read: EACCES), there is no more durable step to take.
 */
const CANNOT_FSYNC_DIRECTORY = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EACCES']);

/**
 * fsync a directory so that a rename inside it survives a power cut. Called after the rename
 * has happened: where the platform cannot fsync a directory, the rename still stands and the
 * write has succeeded, so that is not an error; any other failure (EIO) is.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch (error) {
    if (!(error instanceof Error && CANNOT_FSYNC_DIRECTORY.has((error as NodeJS.ErrnoException).code ?? '')))
      throw error;
  }
}
