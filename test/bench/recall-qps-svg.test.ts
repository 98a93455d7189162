import { describe, expect, it } from 'vitest';
import { escapeXml, recallQpsSvg } from '../../src/bench/recall-qps-svg.js';
import { FIXED_RESULTS } from './fixtures/suite-results.js';

/** Throws unless every tag closes in order and no text holds a raw '<' or a bare '&'. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(xml); match !== null; match = tag.exec(xml)) {
    const text = xml.slice(last, match.index);
    if (text.includes('<') || /&(?!amp;|lt;|gt;|quot;)/.test(text))
      throw new Error(`bad text before offset ${match.index}: ${text}`);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (selfClosing === '/') continue;
    if (closing === '/') {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else stack.push(name as string);
  }
  if (xml.slice(last).trim() !== '') throw new Error('text after the root element');
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
}

describe('recallQpsSvg', () => {
  const set = FIXED_RESULTS.sets[0];
  if (set === undefined) throw new Error('the fixture has no set');
  const svg = recallQpsSvg(set);

  it('is one well-formed svg element with its title escaped', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="980" height="440"')).toBe(true);
    assertWellFormed(svg);
    expect(svg).toContain('<title>recall@10 vs QPS: 10k-512 (10000 x 512)</title>');
  });

  it('draws a line per sweep, a square per exact search, and a legend entry for each', () => {
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="8" height="8"/g)).toHaveLength(4); // 2 markers + 2 legend squares
    for (const label of [
      'hnswlib-node',
      'vsearch end to end',
      'hnswlib on the same graph',
      'vsearch ExactIndex',
      'plain JS exact scan',
    ])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('<title>vsearch end to end ef=32: recall 0.995, 4000 QPS</title>');
  });

  it('puts higher QPS higher and higher recall further right (log QPS axis over whole decades)', () => {
    const points = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
    }));
    // hnswlib-node: ef 16 (0.95, 10000 QPS) then ef 32 (0.995, 5000 QPS).
    const [fast, accurate] = points;
    expect(accurate?.x).toBeGreaterThan(fast?.x ?? Infinity);
    expect(accurate?.y).toBeGreaterThan(fast?.y ?? Infinity);
    expect(svg).toContain('>0.99</text>'); // the recall axis counts nines: 0.9, 0.99, ...
    expect(svg).toContain('>&gt;=0.9999</text>');
    expect(svg).toContain('>100</text>');
    expect(svg).toContain('>10k</text>');
  });

  it('is stable for a fixed input, and draws an empty frame for a set without a sweep', () => {
    expect(recallQpsSvg(set)).toBe(svg);
    const empty = recallQpsSvg({ set: 'none', description: '', count: 0, dimension: 0 });
    assertWellFormed(empty);
    expect(empty).not.toContain('<polyline');
  });

  it('escapes XML text', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });
});
