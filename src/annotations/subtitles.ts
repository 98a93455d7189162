import { InputError } from '../errors.js';

/** One subtitle cue: its span and its text, markup stripped, lines joined by a space. */
export interface Cue {
  start: number;
  end: number;
  text: string;
}

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3})/;

function seconds(stamp: string): number {
  const parts = stamp.replace(',', '.').split(':').map(Number);
  return parts.reduce((sum, part) => sum * 60 + part, 0);
}

/** Tags (<i>, <b>, <c.x>, <00:01.000>, {\an8}) go; entities that subtitles use are decoded. */
function plain(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Cues of an SRT or WebVTT file (the two differ only in the header, the decimal mark and cue
 * settings, which this ignores). A block without a timing line (a VTT NOTE, STYLE or REGION,
 * an SRT index alone) is skipped; a timing that ends before it starts is an InputError naming the line.
 */
export function parseSubtitles(text: string, file: string): Cue[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const cues: Cue[] = [];
  let i = 0;
  while (i < lines.length) {
    const match = TIMING.exec(lines[i] ?? '');
    if (match === null) {
      i++;
      continue;
    }
    const start = seconds(match[1] ?? '');
    const end = seconds(match[2] ?? '');
    if (!(end >= start))
      throw new InputError(`the cue ends (${match[2]}) before it starts (${match[1]}); fix its timing`, {
        file,
        line: i + 1,
      });
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] ?? '').trim() !== ''; i++) body.push(lines[i] ?? '');
    const cue = plain(body.join('\n'));
    if (cue !== '') cues.push({ start, end, text: cue });
  }
  return cues;
}
