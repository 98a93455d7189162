import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type ImportOptions, type Library, type OpenLibraryOptions, openLibrary } from '../../src/library/index.js';
import { clipSegments, writeJsonl } from './segments.js';

export interface TempLibraryOptions extends OpenLibraryOptions {
  /** Rows (JSONL segments) imported at creation from WORK/`file`; none: the library is created empty, not yet written. */
  segments?: readonly unknown[] | undefined;
  /** The JSONL file the segments are written to, in the work folder (default segments.jsonl). */
  file?: string | undefined;
  /** Passed to the import (its model, metadata). */
  importOptions?: ImportOptions | undefined;
  /** The library's folder inside the work folder (default lib). */
  name?: string | undefined;
  /** An existing folder to work in instead of a fresh temp folder; the caller removes it. */
  work?: string | undefined;
}

export interface TempLibrary {
  /** The folder the library and its input files live in. */
  work: string;
  /** The library's own folder, WORK/lib. */
  dir: string;
  lib: Library;
  /** Closes the library and removes the work folder (when the fixture made it). */
  cleanup: () => Promise<void>;
}

/** A library in a temp folder, created (with `create: true` and the other open options) and optionally filled from `segments`. */
export async function createTempLibrary(options: TempLibraryOptions = {}): Promise<TempLibrary> {
  const { segments, file, importOptions, name, work: given, ...openOptions } = options;
  const work = given ?? (await mkdtemp(join(tmpdir(), 'vsearch-test-')));
  const dir = join(work, name ?? 'lib');
  let lib: Library | undefined;
  const cleanup = async (): Promise<void> => {
    await lib?.close();
    if (given === undefined) await rm(work, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    lib = await openLibrary(dir, { create: true, ...openOptions });
    if (segments !== undefined)
      await lib.importSegments(await writeJsonl(work, file ?? 'segments.jsonl', segments), importOptions);
    return { work, dir, lib, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Like `createTempLibrary`, cleaned up after the test that made it. */
export function useTempLibraries(): (options?: TempLibraryOptions) => Promise<TempLibrary> {
  const made: TempLibrary[] = [];
  afterEach(async () => {
    for (const library of made.splice(0)) await library.cleanup();
  });
  return async (options) => {
    const library = await createTempLibrary(options);
    made.push(library);
    return library;
  };
}

/**
 * A library at WORK/lib holding one video a.mp4 of `clips` clips (clipSegments, seed 1) of a
 * `dimension`-d custom model, closed again (for tests that open it twice): its folder.
 */
export async function closedLibraryOfOneVideo(work: string, clips: number, dimension: number): Promise<string> {
  const made = await createTempLibrary({
    work,
    segments: clipSegments('a.mp4', clips, dimension, 1),
    file: 'a.jsonl',
    importOptions: { model: `custom-${dimension}` },
  });
  await made.lib.close();
  return made.dir;
}
