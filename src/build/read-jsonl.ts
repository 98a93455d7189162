import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import { type RawSegment, rawSegmentFromJson } from './raw-segment.js';

/**
 * Yields each non-blank line of a JSONL file as a JSON object with its 1-based line number;
 * a line that is not one JSON object is an InputError naming the file and line.
 */
export async function* readJsonlObjects(
  path: string,
): AsyncGenerator<{ record: Record<string, unknown>; line: number }> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new InputError('the line is not valid JSON (each line must be one JSON object)', { file: path, line });
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new InputError('the line is not a JSON object', { file: path, line });
    }
    yield { record: record as Record<string, unknown>, line };
  }
}

/** Yields each non-blank line of a JSONL file as a segment with its 1-based line number. */
export async function* readJsonlSegments(path: string): AsyncGenerator<{ segment: RawSegment; line: number }> {
  for await (const { record, line } of readJsonlObjects(path)) yield { segment: rawSegmentFromJson(record), line };
}
