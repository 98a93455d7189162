import { InvalidResponseError } from '../errors.js';

/** Narrowing helpers for response bodies: a broken contract is an InvalidResponseError naming where. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectRecord(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value))
    throw new InvalidResponseError(`${where}: expected a JSON object from TwelveLabs, got ${describe(value)}`);
  return value;
}

export function expectString(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '')
    throw new InvalidResponseError(`${where}: field "${key}" is missing or not a string`);
  return value;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function optionalArray(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidResponseError(`${where}: expected an array, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
