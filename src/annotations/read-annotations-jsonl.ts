import { open, readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import { sha256Hex } from '../store/sha256.js';
import type { JsonValue } from '../types.js';
import { ANNOTATION_SOURCES, type Annotation, type AnnotationSource } from './annotation.js';
import type { StoredRequest } from './annotation-store.js';

const START = ['start', 'start_sec', 'start_time', 'start_offset_sec'];
const END = ['end', 'end_sec', 'end_time', 'end_offset_sec'];

async function linesOf(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n');
  } catch (error) {
    throw new InputError(
      `cannot read the annotations file (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
      { file: path, cause: error },
    );
  }
}

/** How much of a .jsonl is read to tell annotations from segments: a segment line of 1024 floats is about 20 KB. */
const SNIFF_BYTES = 1 << 20;

/**
 * Whether a .jsonl holds annotations (its first record has `text` and no embedding) rather than
 * segments. Reads at most SNIFF_BYTES, never a whole import; anything that is not a readable
 * regular file (missing, a folder, a FIFO) is left to the segment import, which reports it.
 */
export async function isAnnotationJsonl(path: string): Promise<boolean> {
  if (!path.toLowerCase().endsWith('.jsonl')) return false;
  const first = (await headOf(path))?.split('\n').find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    const record: unknown = JSON.parse(first);
    if (typeof record !== 'object' || record === null) return false;
    return 'text' in record && !('embedding' in record) && !('float' in record) && !('vector' in record);
  } catch {
    return false;
  }
}

async function headOf(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

function numberField(
  record: Record<string, unknown>,
  names: readonly string[],
  where: { file: string; line: number },
): number {
  for (const name of names) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new InputError(`"${name}" must be a number of seconds >= 0, got ${JSON.stringify(value)}`, where);
    return value;
  }
  throw new InputError(
    `an annotation needs "${names[0]}" (seconds; ${names.slice(1).join(', ')} are accepted too)`,
    where,
  );
}

/**
 * Every annotation of a JSONL file, one `{"video_id", "start", "end", "text", "definition"?,
 * "fields"?, "source"?}` a line, all checked before any is returned; `known` says whether a
 * video is in the library (an annotation of an unknown video is an error: build it first).
 */
export async function readAnnotationsJsonl(
  path: string,
  known: (videoId: string) => boolean,
): Promise<{ rows: Annotation[]; requests: StoredRequest[] }> {
  const lines = await linesOf(path);
  const fileKey = sha256Hex(lines.join('\n'));
  const rows: Annotation[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const where = { file: path, line: i + 1 };
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new InputError('the line is not valid JSON', where);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new InputError('each line must be a JSON object {"video_id", "start", "end", "text"}', where);
    const r = record as Record<string, unknown>;
    checkJsonValue(r, `line ${i + 1} of ${path}`);
    const videoId = r['video_id'];
    if (typeof videoId !== 'string' || videoId === '')
      throw new InputError('"video_id" must be a non-empty string', where);
    if (!known(videoId))
      throw new InputError(
        `no video ${JSON.stringify(videoId)} in this library; build or import its segments first`,
        where,
      );
    const start = numberField(r, START, where);
    const end = numberField(r, END, where);
    if (end < start) throw new InputError(`the annotation ends (${end} s) before it starts (${start} s)`, where);
    const body = r['text'];
    if (typeof body !== 'string' || body.trim() === '')
      throw new InputError('"text" must be a non-empty string', where);
    const definition = r['definition'] ?? 'import';
    if (typeof definition !== 'string' || definition === '')
      throw new InputError('"definition" must be a non-empty string', where);
    const fields = r['fields'] ?? r['metadata'] ?? {};
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      throw new InputError('"fields" must be a JSON object', where);
    const source = r['source'] ?? 'import';
    if (typeof source !== 'string' || !ANNOTATION_SOURCES.includes(source as AnnotationSource))
      throw new InputError(`"source" must be one of ${ANNOTATION_SOURCES.join(', ')}`, where);
    rows.push({
      videoId,
      start,
      end,
      definition,
      fields: fields as { [key: string]: JsonValue },
      text: body,
      source: source as AnnotationSource,
    });
  });
  const videos = [...new Set(rows.map((row) => row.videoId))];
  return { rows, requests: videos.map((videoId) => ({ key: `import:${fileKey}:${videoId}`, videoId })) };
}
