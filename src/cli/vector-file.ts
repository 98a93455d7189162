import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { readStdinText } from './read-stdin.js';

/** A query vector file: a JSON array, `{"embedding": [...]}` or `{"float": [...]}`; `-` reads it from stdin. */
export async function readVectorFile(path: string): Promise<number[]> {
  if (path === '-') return vectorOf(await readStdinText(), 'stdin');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the vector file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file: path });
  }
  return vectorOf(text, path);
}

function vectorOf(text: string, path: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError('the vector file is not valid JSON; give a JSON array of numbers, {"embedding": [...]} or {"float": [...]}', { file: path });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    value = record['embedding'] ?? record['float'];
  }
  if (!Array.isArray(value)) throw new InputError('the vector file holds no vector; give a JSON array of numbers, {"embedding": [...]} or {"float": [...]}', { file: path });
  return value as number[];
}
