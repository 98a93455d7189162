import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { assertRegularFile } from '../regular-file.js';
import { readStdinText } from './read-stdin.js';

const VECTOR_FORMS = 'give a JSON array of numbers, {"embedding": [...]} or {"float": [...]}';

/** The file's text, refusing a FIFO, device or directory (opened without blocking, then checked). */
async function readRegularFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError(`cannot read the vector file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      file: path,
    });
  }
  try {
    assertRegularFile(await handle.stat(), path, 'the vector file');
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read the vector file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      file: path,
    });
  } finally {
    await handle.close();
  }
}

/** A query vector file: a JSON array, `{"embedding": [...]}` or `{"float": [...]}`; `-` reads it from stdin. */
export async function readVectorFile(path: string): Promise<number[]> {
  if (path === '-') return vectorOf(await readStdinText(), 'stdin');
  return vectorOf(await readRegularFile(path), path);
}

function vectorOf(text: string, path: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`the vector file is not valid JSON; ${VECTOR_FORMS}`, { file: path });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    value = record['embedding'] ?? record['float'];
  }
  if (!Array.isArray(value)) throw new InputError(`the vector file holds no vector; ${VECTOR_FORMS}`, { file: path });
  return value as number[];
}
