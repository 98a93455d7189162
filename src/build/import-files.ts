import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import { assertRegularFile } from '../regular-file.js';
import { SegmentRowsBuilder, type ImportRecord, type SegmentRows } from '../store/index.js';
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
  /** Rows each file gave, in the order of the paths: file i's rows follow file i-1's. */
  rowsPerFile: number[];
}

/** A file to import with the sha256 of its content, its identity for idempotent imports. */
export interface ImportFile {
  path: string;
  sha256: string;
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
  const rowsPerFile: number[] = [];
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
    rowsPerFile.push(rows);
  }
  const built = builder.build();
  const model = resolveModel({ requested: options.model, library: options.libraryModel, inData: modelsInData, dimension: built.dimension });
  const option = defaultEmbeddingOption(model);
  return {
    model,
    rowsPerFile,
    rows: {
      ...built,
      modelName: built.modelName.map((name) => (name === '' ? model : name)),
      embeddingOption: built.embeddingOption.map((name) => (name === '' ? option : name)),
    },
  };
}

/**
 * Splits `paths` into files not imported before and files whose content (by sha256) the
 * library's import records already hold, or that an earlier path of this call repeats.
 */
export async function newImportFiles(paths: readonly string[], imported: Readonly<Record<string, ImportRecord>>): Promise<{ fresh: ImportFile[]; skipped: string[] }> {
  const fresh: ImportFile[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    await checkReadable(path);
    const sha256 = await sha256OfFile(path);
    if (imported[sha256] !== undefined || seen.has(sha256)) skipped.push(path);
    else fresh.push({ path, sha256 });
    seen.add(sha256);
  }
  return { fresh, skipped };
}

/** What the manifest records of each imported file, keyed by its content's sha256. */
export function importRecords(files: readonly ImportFile[], imported: ImportedRows): Record<string, ImportRecord> {
  const records: Record<string, ImportRecord> = {};
  const importedAt = new Date().toISOString();
  let at = 0;
  files.forEach((file, i) => {
    const count = imported.rowsPerFile[i] ?? 0;
    const videos = [...new Set(imported.rows.videoId.slice(at, at + count))];
    records[file.sha256] = { file: file.path, segments: count, videos, importedAt };
    at += count;
  });
  return records;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new InputError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
  return hash.digest('hex');
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
