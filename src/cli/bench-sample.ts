import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { CalibrationQuery } from '../library/calibrate-recall.js';
import { QUERY_MODALITIES, type QueryModality } from '../store/search-ef.js';
import { normalizeInPlace } from '../vector/normalize.js';
import { parseInteger } from './shared-options.js';

/**
 * `--queries` of `vsearch bench --calibrate-recall`: a JSONL file of a user's query vectors
 * with their modality, or (as before such files) a count of the library's own vectors,
 * when the value is a plain number and names no file.
 */
export function isQueryCount(value: string): boolean {
  return /^\d+$/.test(value.trim()) && !existsSync(value);
}

export function parseQueryCount(value: string): number {
  return parseInteger('--queries', value, 1, 1_000_000);
}

/** Reads a sample file: one `{"vector": [...], "modality": "text"}` per line; blank lines skipped. */
export async function readQuerySample(path: string): Promise<CalibrationQuery[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read the query sample ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): pass a JSONL file of {"vector": [...], "modality": "text"} lines, or a number of the library's own vectors`,
      { cause: error },
    );
  }
  const queries: CalibrationQuery[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path} line ${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new InputError(`${where} is not JSON: each line must be {"vector": [...], "modality": "text"}`);
    }
    const { vector, modality } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      vector?: unknown;
      modality?: unknown;
    };
    if (!(QUERY_MODALITIES as readonly unknown[]).includes(modality)) {
      throw new InputError(
        `${where}: "modality" must be one of ${QUERY_MODALITIES.join(', ')} (vector and segment queries count as video), got ${JSON.stringify(modality)}`,
      );
    }
    if (
      !Array.isArray(vector) ||
      vector.length === 0 ||
      !vector.every((x): x is number => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new InputError(`${where}: "vector" must be a non-empty array of finite numbers`);
    }
    const unit = Float64Array.from(vector);
    normalizeInPlace(unit);
    if (unit.every((x) => x === 0))
      throw new InputError(`${where}: "vector" is a zero vector; it has no direction to search by`);
    queries.push({ modality: modality as QueryModality, vector: Float32Array.from(unit) });
  });
  if (queries.length === 0) throw new InputError(`the query sample ${path} holds no queries`);
  return queries;
}
