import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import { assertRegularFile } from '../regular-file.js';
import { type ImportRecord, type SegmentRows, SegmentRowsBuilder } from '../store/index.js';
import type { Metadata } from '../types.js';
import type { RawSegment } from './raw-segment.js';
import { readApiResponseSegments } from './read-api-response.js';
import { readArrowSegments } from './read-arrow.js';
import { readJsonlSegments } from './read-jsonl.js';
import { defaultEmbeddingOption, type ModelEvidence, resolveModel } from './resolve-model.js';

export interface ImportOptions {
  /** --model: which model made the embeddings, when the files do not say. */
  model?: string | undefined;
  /** Merged under each row's own metadata (--metadata). */
  metadata?: Metadata | undefined;
  libraryModel?: string | null | undefined;
  libraryDimension?: number | null | undefined;
}

/** What a streaming import read: the model chosen, and what each file gave. */
export interface ImportedFiles {
  model: string;
  /** Rows each file gave, in the order of the paths. */
  rowsPerFile: number[];
  /** The videos each file gave segments of, in the order of the paths. */
  videosPerFile: string[][];
  rows: number;
  videos: number;
}

/** Takes one validated batch (its model defaults filled in) and writes it, not yet visible. */
export type PutBatch = (rows: SegmentRows, model: string) => Promise<void>;

/** A file to import with the sha256 of its content, its identity for idempotent imports. */
export interface ImportFile {
  path: string;
  sha256: string;
}

type Reader = (path: string) => AsyncIterable<{ segment: RawSegment; line: number }>;

const READERS: Record<string, Reader> = {
  '.jsonl': readJsonlSegments,
  '.ndjson': readJsonlSegments,
  '.arrow': readArrowSegments,
  '.ipc': readArrowSegments,
  '.feather': readArrowSegments,
  '.json': readApiResponseSegments,
};

/**
 * Reads and validates the rows of every file in batches of `batchRows`, handing each batch to
 * `put` as it fills, so memory holds one batch, not the import. The first bad row throws an
 * InputError naming its file, line and reason; the caller commits what `put` wrote only when
 * this returns (so a bad row anywhere leaves nothing visible).
 *
 * The model of a batch must be known when it is written: it is decided from the evidence read
 * so far (the model option, the library's, the data's model_name, or the dimension). Where that
 * cannot tell yet (512-d rows naming no model), rows are held until a row names one.
 */
export async function streamImportFiles(
  paths: readonly string[],
  options: ImportOptions,
  batchRows: number,
  put: PutBatch,
): Promise<ImportedFiles> {
  if (options.metadata !== undefined) checkJsonValue(options.metadata, 'the metadata option');
  const modelsInData = new Map<string, string>();
  let builder = new SegmentRowsBuilder(options.libraryDimension ?? undefined);
  let model: string | undefined;
  /** Where the chosen model came from only the dimension: a model named later must be the same. */
  let byDimension = false;
  const rowsPerFile: number[] = [];
  const videosPerFile: string[][] = [];
  const allVideos = new Set<string>();
  let total = 0;
  const flush = async (final: boolean): Promise<void> => {
    if (builder.count === 0) return;
    const built = builder.build();
    const evidence = {
      requested: options.model,
      library: options.libraryModel,
      inData: modelsInData,
      dimension: built.dimension,
    };
    if (model === undefined || byDimension) {
      const decided = decideModel(evidence, final);
      if (decided === undefined) return;
      if (model !== undefined && decided.model !== model) throw laterModelError(model, decided.model, modelsInData);
      model = decided.model;
      byDimension = decided.byDimension;
    } else {
      resolveModel({ ...evidence, requested: model });
    }
    await put(withDefaults(built, model), model);
    builder = new SegmentRowsBuilder(
      built.dimension,
      options.libraryDimension == null ? 'the first segment of this import' : 'the library',
    );
  };
  for (const path of paths) {
    const reader = READERS[extname(path).toLowerCase()];
    if (reader === undefined) {
      throw new InputError(
        `cannot import this kind of file; \`from\` takes .jsonl segments, .arrow segment files or a saved TwelveLabs embed response (.json)`,
        { file: path },
      );
    }
    await checkReadable(path);
    let rows = 0;
    const videos = new Set<string>();
    for await (const { segment, line } of reader(path)) {
      if (segment.modelName !== undefined && !modelsInData.has(segment.modelName))
        modelsInData.set(segment.modelName, `${path}:${line}`);
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
      videos.add(segment.videoId as string);
      allVideos.add(segment.videoId as string);
      rows++;
      if (builder.count >= batchRows) await flush(false);
    }
    if (rows === 0) throw new InputError('the file holds no segments', { file: path });
    rowsPerFile.push(rows);
    videosPerFile.push([...videos]);
    total += rows;
  }
  await flush(true);
  if (model === undefined) throw new InputError('nothing to import: the files hold no segments');
  // Every row has been read: the evidence is whole, and must agree with the model the batches were written as.
  const final = resolveModel({
    requested: options.model,
    library: options.libraryModel,
    inData: modelsInData,
    dimension: builder.dimension ?? 0,
  });
  if (final !== model) throw laterModelError(model, final, modelsInData);
  return { model, rowsPerFile, videosPerFile, rows: total, videos: allVideos.size };
}

/** The model the evidence so far names; undefined while it cannot tell (more rows may name one), unless `final`. */
function decideModel(evidence: ModelEvidence, final: boolean): { model: string; byDimension: boolean } | undefined {
  const named =
    evidence.requested !== undefined || evidence.inData.size > 0 || (evidence.library ?? undefined) !== undefined;
  try {
    return { model: resolveModel(evidence), byDimension: !named };
  } catch (error) {
    if (!final && !named && error instanceof InputError) return undefined;
    throw error;
  }
}

function laterModelError(taken: string, named: string, inData: ReadonlyMap<string, string>): InputError {
  const where = inData.get(named) ?? 'a later row';
  return new InputError(
    `the first segments name no model and were taken as ${taken} embeddings by their dimension, but ${where} names ${named}; pass \`model\` to say which`,
  );
}

function withDefaults(rows: SegmentRows, model: string): SegmentRows {
  const option = defaultEmbeddingOption(model);
  return {
    ...rows,
    modelName: rows.modelName.map((name) => (name === '' ? model : name)),
    embeddingOption: rows.embeddingOption.map((name) => (name === '' ? option : name)),
  };
}

/**
 * Splits `paths` into files not imported before and files whose content (by sha256) the
 * library's import records already hold, or that an earlier path of this call repeats.
 */
export async function newImportFiles(
  paths: readonly string[],
  imported: Readonly<Record<string, ImportRecord>>,
): Promise<{ fresh: ImportFile[]; skipped: string[] }> {
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
export function importRecords(
  files: readonly ImportFile[],
  imported: Pick<ImportedFiles, 'rowsPerFile' | 'videosPerFile'>,
): Record<string, ImportRecord> {
  const records: Record<string, ImportRecord> = {};
  const importedAt = new Date().toISOString();
  files.forEach((file, i) => {
    records[file.sha256] = {
      file: file.path,
      segments: imported.rowsPerFile[i] ?? 0,
      videos: imported.videosPerFile[i] ?? [],
      importedAt,
    };
  });
  return records;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new InputError(
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { file: path },
    );
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
    throw new InputError(
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { file: path },
    );
  }
}
