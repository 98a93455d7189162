import { close, open } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IndexSidecar } from './persist.js';
import { readSidecar } from './persist.js';

const openFile = promisify(open);
const closeFile = promisify(close);

/**
 * The saved graph as a library found it when it opened (or last moved to a generation) without
 * reading it: its sidecar, and its graph file held open. A save deletes the graph it replaces at
 * once, so a reader that reads its graph later reads it through the open descriptor: the graph
 * of its own generation, whatever a writer saved since. Holding a descriptor costs nothing; a
 * second copy of the graph kept on disk for readers would cost its size (2 GB at 1M x 512).
 */
export interface PinnedGraph {
  readonly sidecar: IndexSidecar;
  /** The graph file's name in the index folder, for messages. */
  readonly path: string;
  /** A path that opens the held file itself, even once it is unlinked. */
  readonly readPath: string;
  readonly fd: number;
}

/**
 * Pins the graph the sidecar in `dir` names; undefined when there is none, or when the sidecar
 * or graph cannot be read: the read from disk at the first search then reports that, as before.
 */
export async function pinSavedGraph(dir: string): Promise<PinnedGraph | undefined> {
  let sidecar: IndexSidecar | undefined;
  try {
    sidecar = (await readSidecar(dir))?.sidecar;
  } catch {
    return undefined;
  }
  if (sidecar === undefined) return undefined;
  const path = join(dir, sidecar.graph);
  let fd: number;
  try {
    fd = await openFile(path, 'r');
  } catch {
    return undefined;
  }
  return { sidecar, path, readPath: descriptorPath(fd), fd };
}

export async function unpinGraph(pinned: PinnedGraph): Promise<void> {
  await closeFile(pinned.fd).catch(() => undefined); // nothing was written through it
}

/** Linux opens /proc/self/fd/N as the file itself (a new description); the BSDs and macOS /dev/fd/N as a duplicate, read by position. */
function descriptorPath(fd: number): string {
  return process.platform === 'linux' ? `/proc/self/fd/${fd}` : `/dev/fd/${fd}`;
}
