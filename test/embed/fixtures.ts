import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES_DIR = join(import.meta.dirname, '../../../shared/reference/twelvelabs-fixtures');
export const HAVE_FIXTURES = existsSync(FIXTURES_DIR);
if (!HAVE_FIXTURES) console.warn(`skipping fixture tests: ${FIXTURES_DIR} is absent`);

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES_DIR, name), 'utf8');
}

export function fixture(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

/** Replace every (truncated, 4-float) vector in a fixture by one of the real model dimension. */
export function widenVectors(value: unknown, dimension: number, key: 'float' | 'embedding'): unknown {
  if (Array.isArray(value)) return value.map((v) => widenVectors(v, dimension, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        k === key && Array.isArray(v)
          ? Array.from({ length: dimension }, (_, i) => ((i % 7) - 3) / 10)
          : widenVectors(v, dimension, key);
    }
    return out;
  }
  return value;
}
