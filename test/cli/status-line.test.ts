import { describe, expect, it } from 'vitest';
import type { BuildProgress } from '../../src/build/build-types.js';
import { benchProgress } from '../../src/cli/bench.js';
import { formatBuildProgress, progressLine } from '../../src/cli/progress-line.js';
import { fitToWidth, openStatusLine, type StatusStream, statusMode } from '../../src/cli/status-line.js';

/** A stream that records what is written to it, shaped like a terminal or a pipe. */
function fakeStream(shape: { isTTY: boolean; columns?: number }): StatusStream & { written: string[] } {
  const written: string[] = [];
  return { ...shape, written, write: (text: string) => written.push(text) };
}

const progress = (over: Partial<BuildProgress> = {}): BuildProgress => ({
  total: 120,
  done: 37,
  running: 4,
  failed: 2,
  segments: 1234,
  elapsedMs: 95_000,
  ...over,
});

/** What a terminal shows after the carriage returns: the text of the last redraw, padding dropped. */
const visibleRows = (written: readonly string[]): string[] =>
  written
    .join('')
    .split(/[\r\n]/)
    .filter((row) => row.trim() !== '');

describe('the status line on stderr', () => {
  it('is off when the stream is not a terminal, plain on TERM=dumb, and uses the erase code elsewhere', () => {
    expect(statusMode(fakeStream({ isTTY: false }), { TERM: 'xterm-256color' })).toBe('off');
    expect(statusMode({ write: () => true }, {})).toBe('off');
    expect(statusMode(fakeStream({ isTTY: true }), { TERM: 'dumb' })).toBe('plain');
    expect(statusMode(fakeStream({ isTTY: true }), { TERM: 'xterm-256color' })).toBe('ansi');
    expect(statusMode(fakeStream({ isTTY: true }), {})).toBe('ansi');
  });

  it('cuts a line to one column less than the terminal is wide', () => {
    expect(fitToWidth('short', 80)).toBe('short');
    expect(fitToWidth('x'.repeat(79), 80)).toBe('x'.repeat(79));
    expect(fitToWidth('x'.repeat(80), 80)).toBe(`${'x'.repeat(76)}...`);
    expect(fitToWidth('x'.repeat(100), undefined)).toHaveLength(79);
    expect(fitToWidth('abcdef', 3)).toBe('ab');
  });

  it('formats build progress in the fullest form that fits the width', () => {
    const wide = formatBuildProgress(progress(), 200);
    expect(wide).toBe('[#######.................] 37/120 items, 1234 segments, 2 failed, 01:35 elapsed, ETA 03:33');
    for (const columns of [100, 80, 60, 40, 20, 10]) {
      const line = formatBuildProgress(progress(), columns);
      expect(line.length, `${columns} columns: ${line}`).toBeLessThan(columns);
      expect(line).toMatch(/^(\[[#.]+\] )?37\/120/);
    }
    expect(formatBuildProgress(progress(), 80)).toBe('37/120 items, 1234 segments, 2 failed, 01:35 elapsed, ETA 03:33');
    expect(formatBuildProgress(progress(), 40)).toBe('37/120 items, 1234 segments, 2 failed');
  });

  it('redraws build progress on a dumb terminal without escape codes, within the width', () => {
    const stream = fakeStream({ isTTY: true, columns: 50 });
    const line = progressLine(stream, { TERM: 'dumb' });
    line.update(progress({ done: 1 }));
    line.update(progress({ done: 120, failed: 0 }));
    line.end();
    const text = stream.written.join('');
    expect(text).not.toContain('\x1b');
    expect(text.endsWith('\n')).toBe(true);
    for (const row of stream.written.join('').split(/[\r\n]/)) expect(row.length).toBeLessThan(50);
    // The shorter second line is padded over the first, so nothing of the first is left showing.
    const [first, second] = stream.written;
    expect(second?.length).toBe(first?.length);
    expect(visibleRows(stream.written).at(-1)?.trim()).toBe('120/120 items, 1234 segments, ETA --:--');
  });

  it('draws nothing at all when stderr is not a terminal', () => {
    const stream = fakeStream({ isTTY: false, columns: 80 });
    const line = progressLine(stream, { TERM: 'xterm' });
    line.update(progress());
    line.end();
    expect(stream.written).toEqual([]);
  });

  it('uses the erase-to-end-of-line code on a capable terminal', () => {
    const stream = fakeStream({ isTTY: true, columns: 80 });
    const line = openStatusLine(stream, { TERM: 'xterm' });
    line.update('building');
    line.end();
    expect(stream.written).toEqual(['\r\x1b[Kbuilding', '\n']);
  });

  it('writes bench progress without escape codes on TERM=dumb, one finished line per stage, cut to the width', () => {
    const stream = fakeStream({ isTTY: true, columns: 30 });
    const report = benchProgress(openStatusLine(stream, { TERM: 'dumb' }));
    report('build', 500, 1000);
    report('build', 1000, 1000);
    report('sweep', 1, 2, 'ef=16');
    report('sweep', 2, 2, 'ef=32');
    const text = stream.written.join('');
    expect(text).not.toContain('\x1b');
    expect(
      text
        .split('\n')
        .filter((row) => row !== '')
        .map((row) => row.split('\r').at(-1)?.trim()),
    ).toEqual(['building HNSW 1000/1000', 'ef sweep 2/2 (ef=32)']);
    for (const row of text.split(/[\r\n]/)) expect(row.length).toBeLessThan(30);
  });
});
