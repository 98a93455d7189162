import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { checkJsonText, checkJsonValue, MAX_JSON_BYTES, MAX_JSON_DEPTH, nestsTooDeep } from '../src/json-limits.js';

const arrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('limits on JSON input', () => {
  it('allows 32 levels and refuses 33, counting objects and arrays alike', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(nestsTooDeep(arrays(32))).toBe(false);
    expect(nestsTooDeep(arrays(33))).toBe(true);
    expect(nestsTooDeep(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`)).toBe(true);
    expect(() => checkJsonText(arrays(10_000), 'the filter')).toThrow(InputError);
    expect(() => checkJsonText(arrays(10_000), 'the filter')).toThrow(/the filter nests deeper than 32 levels/);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestsTooDeep(JSON.stringify({ a: '['.repeat(100), b: '\\"[[[['.repeat(50) }))).toBe(false);
  });

  it('refuses text over 64 KiB, counted in UTF-8 bytes', () => {
    expect(() => checkJsonText(JSON.stringify({ a: 'x'.repeat(MAX_JSON_BYTES - 10) }), 'f')).not.toThrow();
    expect(() => checkJsonText(JSON.stringify({ a: 'é'.repeat(MAX_JSON_BYTES / 2) }), 'f')).toThrow(
      /f is 65544 bytes; the limit for JSON input is 65536 bytes \(64 KiB\)/,
    );
  });

  it('walks objects without recursion: deep, cyclic and huge ones are refused', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(() => checkJsonValue(deep, 'the filter')).toThrow(/nests deeper than 32 levels/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => checkJsonValue(cyclic, 'the filter')).toThrow(/nests deeper than 32 levels/);
    expect(() => checkJsonValue({ list: new Array(MAX_JSON_BYTES + 1).fill(0) }, 'the filter')).toThrow(
      /more than 65536 values/,
    );
    expect(checkJsonValue({ a: [1, { b: 'c' }] }, 'the filter')).toBe('{"a":[1,{"b":"c"}]}');
  });
});
