import { describe, expect, it } from 'vitest';
import { parseSubtitles } from '../../src/annotations/subtitles.js';
import { InputError } from '../../src/errors.js';

describe('parseSubtitles', () => {
  it('reads SRT cues: BOM, comma decimals, markup and line breaks', () => {
    const srt =
      "\uFEFF1\r\n00:00:13,000 --> 00:00:16,400\r\n<i>I'm Sinbad the sailor\r\nSo hearty and hale</i>\r\n\r\n2\r\n01:00:00,500 --> 01:00:01,000\r\nfish &amp; chips\r\n";
    expect(parseSubtitles(srt, 'a.srt')).toEqual([
      { start: 13, end: 16.4, text: "I'm Sinbad the sailor So hearty and hale" },
      { start: 3600.5, end: 3601, text: 'fish & chips' },
    ]);
  });

  it('reads WebVTT: header, NOTE blocks, cue ids, settings and short timestamps', () => {
    const vtt =
      'WEBVTT\n\nNOTE a comment\nover lines\n\nintro\n00:01.000 --> 00:04.250 align:start position:10%\n<v Popeye>Well blow me down</v>\n\n00:00:05.000 --> 00:00:06.000\nsecond\n';
    expect(parseSubtitles(vtt, 'a.vtt')).toEqual([
      { start: 1, end: 4.25, text: 'Well blow me down' },
      { start: 5, end: 6, text: 'second' },
    ]);
  });

  it('names the file and line of a cue that ends before it starts', () => {
    expect(() => parseSubtitles('1\n00:00:05,000 --> 00:00:04,000\nx\n', 'bad.srt')).toThrow(InputError);
    expect(() => parseSubtitles('1\n00:00:05,000 --> 00:00:04,000\nx\n', 'bad.srt')).toThrow(
      /^bad\.srt:2: the cue ends/,
    );
  });
});
