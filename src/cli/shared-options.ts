import { Option } from 'commander';
import { InputError } from '../errors.js';
import { checkJsonText } from '../json-limits.js';

const DEFAULT_LIBRARY_DIR = './vsearch-lib';

export function libOption(): Option {
  return new Option('--lib <dir>', 'library directory').env('VSEARCH_LIB').default(DEFAULT_LIBRARY_DIR);
}

export function jsonOption(): Option {
  return new Option('--json', 'print the machine-readable JSON form on stdout');
}

export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new InputError(`${flag} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

export function parseJsonObject(flag: string, text: string): Record<string, unknown> {
  checkJsonText(text, flag);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`${flag} must be a JSON object, got ${JSON.stringify(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(`${flag} must be a JSON object, got ${JSON.stringify(text)}`);
  return value as Record<string, unknown>;
}

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}
