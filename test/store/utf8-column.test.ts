import { describe, expect, it } from 'vitest';
import { parsedUtf8Values, utf8Column, utf8Values } from '../../src/store/utf8-column.js';

describe('Utf8 columns', () => {
  it('decodes ASCII and non-ASCII columns alike, across chunks', () => {
    const ascii = ['v0', '', 'v10', '["abc"]'];
    const other = ['vidéo', '視頻', '', 'v1'];
    expect(utf8Values([utf8Column(ascii), utf8Column(other)])).toEqual([...ascii, ...other]);
  });

  it('parses each run of repeated texts once, giving every row of the run that parse', () => {
    const texts = ['["a"]', '["a"]', '["b"]', '["a"]', '[]', '[]'];
    const seen: [string, number][] = [];
    const parsed = parsedUtf8Values([utf8Column(texts.slice(0, 3)), utf8Column(texts.slice(3))], (text, row) => {
      seen.push([text, row]);
      return JSON.parse(text) as string[];
    });
    expect(parsed).toEqual(texts.map((text) => JSON.parse(text)));
    expect(seen).toEqual([
      ['["a"]', 0],
      ['["b"]', 2],
      ['["a"]', 3],
      ['[]', 4],
    ]);
    expect(parsed[1]).toBe(parsed[0]);
  });
});
