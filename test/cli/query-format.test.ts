import { describe, expect, it } from 'vitest';
import { escapeText, formatTimeRange, formatTimestamp } from '../../src/cli/query.js';

describe('escapeText', () => {
  it('escapes C0, DEL and C1 controls JSON-style and leaves the rest', () => {
    expect(escapeText('evil\u001b[2J\u001b[31mred')).toBe('evil\\u001b[2J\\u001b[31mred');
    expect(escapeText('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(escapeText('\u0000\u007f\u0085\u009b')).toBe('\\u0000\\u007f\\u0085\\u009b');
    expect(escapeText('C:\\videos\\cat.mp4 é 猫 🐈')).toBe('C:\\videos\\cat.mp4 é 猫 🐈');
  });

  it('leaves no control character in any output', () => {
    const every = Array.from({ length: 0xa0 }, (_, c) => String.fromCharCode(c)).join('');
    expect(/[\u0000-\u001f\u007f-\u009f]/.test(escapeText(every))).toBe(false);
  });
});

describe('formatTimestamp', () => {
  it.each([
    [0, '00:00'],
    [5.9, '00:05'],
    [75.4, '01:15'],
    [3599, '59:59'],
    [3725, '1:02:05'],
  ])('%s s -> %s', (seconds, text) => expect(formatTimestamp(seconds)).toBe(text));
  it('formats a range', () => expect(formatTimeRange(18, 21.09)).toBe('00:18-00:21'));
});
