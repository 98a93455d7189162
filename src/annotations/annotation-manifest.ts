import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-write.js';

const ANNOTATIONS_DIR = 'annotations';
const MANIFEST = 'manifest.json';

export interface AnnotationFileEntry {
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * The annotations' own manifest (annotations/manifest.json), kept apart from the segment
 * manifest: annotation files are listed with their checksums, and `requests` maps the key of
 * each analysis or import that was stored (content + request) to its video, so that the same
 * request is never paid twice and is forgotten when the video is removed.
 */
export interface AnnotationManifest {
  version: 1;
  generation: number;
  files: AnnotationFileEntry[];
  requests: Record<string, string>;
}

const EMPTY_ANNOTATION_MANIFEST: AnnotationManifest = { version: 1, generation: 0, files: [], requests: {} };

export function annotationsDir(libraryDir: string): string {
  return join(libraryDir, ANNOTATIONS_DIR);
}

export function annotationManifestPath(libraryDir: string): string {
  return join(annotationsDir(libraryDir), MANIFEST);
}

export async function readAnnotationManifest(libraryDir: string): Promise<AnnotationManifest> {
  const path = annotationManifestPath(libraryDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_ANNOTATION_MANIFEST;
    throw new StoreError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return checkManifest(text, path);
}

export async function writeAnnotationManifest(libraryDir: string, manifest: AnnotationManifest): Promise<void> {
  await writeFileAtomic(annotationManifestPath(libraryDir), `${JSON.stringify(manifest, null, 1)}\n`);
}

function checkManifest(text: string, path: string): AnnotationManifest {
  const damaged = (why: string): StoreError =>
    new StoreError(
      `${path} is damaged (${why}); the annotations cannot be read. Restore it from a backup, or move the annotations folder away and analyze again`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw damaged('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged('not a JSON object');
  const record = value as Record<string, unknown>;
  if (record['version'] !== 1) throw damaged(`version ${JSON.stringify(record['version'])} is not 1`);
  const generation = record['generation'];
  if (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0)
    throw damaged('generation is not a whole number');
  const files = record['files'];
  if (!Array.isArray(files)) throw damaged('files is not an array');
  const entries = files.map((file: unknown, i): AnnotationFileEntry => {
    if (typeof file !== 'object' || file === null) throw damaged(`files[${i}] is not an object`);
    const f = file as Record<string, unknown>;
    const { name, rows, bytes, sha256 } = f;
    if (typeof name !== 'string' || !/^ann-\d+-[0-9a-f]+\.arrow$/.test(name))
      throw damaged(`files[${i}].name is not an annotation file name`);
    if (
      typeof rows !== 'number' ||
      typeof bytes !== 'number' ||
      typeof sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(sha256)
    )
      throw damaged(`files[${i}] lacks rows, bytes or sha256`);
    return { name, rows, bytes, sha256 };
  });
  const requests = record['requests'];
  if (typeof requests !== 'object' || requests === null || Array.isArray(requests))
    throw damaged('requests is not an object');
  for (const [key, video] of Object.entries(requests))
    if (typeof video !== 'string') throw damaged(`requests["${key}"] is not a video id`);
  return { version: 1, generation, files: entries, requests: requests as Record<string, string> };
}
