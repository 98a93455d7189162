import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import { assertRegularFile } from '../regular-file.js';
import { SegmentRowsBuilder, type SegmentRows } from '../store/index.js';
import type { Metadata } from '../types.js';
import { readApiResponseSegments } from './read-api-response.js';
import { readArrowSegments } from './read-arrow.js';
import { readJsonlSegments } from './read-jsonl.js';
import type { RawSegment } from './raw-segment.js';
import { defaultEmbeddingOption, resolveModel } from './resolve-model.js';

export interface ImportOptions {
  /** --model: which model made the embeddings, when the files do not say. */
  model?: string | undefined;
  /** Merged under each row's own metadata (--metadata). */
  metadata?: Metadata | undefined;
  libraryModel?: string | null | undefined;
  libraryDimension?: number | null | undefined;
}

export interface ImportedRows {
  rows: SegmentRows;
  model: string;
}

type Reader = (path: string) => AsyncIterable<{ segment: RawSegment; line: number }> | Promise<Iterable<{ segment: RawSegment; line: number }>>;

const READERS: Record<string, Reader> = {
  '.jsonl': readJsonlSegments,
  '.ndjson': readJsonlSegments,
  '.arrow': readArrowSegments,
  '.ipc': readArrowSegments,
  '.feather': readArrowSegments,
  '.json': readApiResponseSegments,
};

/**
 * Reads and validates every row of every file before anything is written: the first
 * bad row throws an InputError naming its file, line and reason.
 */
export async function readImportFiles(paths: readonly string[], options: ImportOptions = {}): Promise<ImportedRows> {
  if (options.metadata !== undefined) checkJsonValue(options.metadata, 'the metadata option');
  const builder = new SegmentRowsBuilder(options.libraryDimension ?? undefined);
  const modelsInData = new Map<string, string>();
  for (const path of paths) {
    const reader = READERS[extname(path).toLowerCase()];
    if (reader === undefined) {
      throw new InputError(`cannot import this kind of file; --from takes .jsonl segments, .arrow segment files or a saved TwelveLabs embed response (.json)`, { file: path });
    }
    await checkReadable(path);
    let rows = 0;
    for await (const { segment, line } of await reader(path)) {
      if (segment.modelName !== undefined && !modelsInData.has(segment.modelName)) modelsInData.set(segment.modelName, `${path}:${line}`);
      builder.add(
        {
          videoId: segment.videoId,
          vector: segment.vector,
          vectorField: segment.vectorField,
          startSec: segment.startSec,
          endSec: segment.endSec,
          source: segment.source ?? path,
          contentSha256: segment.contentSha256 ?? '',
          modality: segment.modality ?? 'video',
          embeddingOption: segment.embeddingOption ?? '',
          embeddingScope: segment.embeddingScope ?? 'clip',
          modelName: segment.modelName ?? '',
          metadata: { ...options.metadata, ...segment.metadata },
        },
        { file: path, line },
      );
      rows++;
    }
    if (rows === 0) throw new InputError('the file holds no segments', { file: path });
  }
  const built = builder.build();
  const model = resolveModel({ requested: options.model, library: options.libraryModel, inData: modelsInData, dimension: built.dimension });
  const option = defaultEmbeddingOption(model);
  return {
    model,
    rows: {
      ...built,
      modelName: built.modelName.map((name) => (name === '' ? model : name)),
      embeddingOption: built.embeddingOption.map((name) => (name === '' ? option : name)),
    },
  };
}

async function checkReadable(path: string): Promise<void> {
  try {
    const info = await stat(path);
    assertRegularFile(info, path, 'each file to import');
    if (info.size === 0) throw new InputError('the file is empty', { file: path });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
}
