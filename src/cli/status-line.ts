/** The stream a status line is drawn on: stderr, or a fake one in tests. */
export interface StatusStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(text: string): unknown;
}

/**
 * How a status line may be drawn: not at all when the stream is not a terminal (a log file,
 * a pipe), redrawn with a carriage return and space padding on a dumb terminal (TERM=dumb
 * understands no escape codes), and with the erase-to-end-of-line code elsewhere.
 */
export type StatusMode = 'off' | 'plain' | 'ansi';

export function statusMode(stream: StatusStream, env: NodeJS.ProcessEnv = process.env): StatusMode {
  if (stream.isTTY !== true) return 'off';
  return env['TERM'] === 'dumb' ? 'plain' : 'ansi';
}

/** Terminal width assumed when the stream does not say. */
const DEFAULT_COLUMNS = 80;

/**
 * `text` cut to fit one row of a terminal `columns` wide, leaving the last column free: a line
 * that fills it exactly wraps on some terminals, and the next redraw then lands a row lower.
 */
export function fitToWidth(text: string, columns: number | undefined): string {
  const room = Math.max(1, (columns !== undefined && columns > 0 ? columns : DEFAULT_COLUMNS) - 1);
  const chars = Array.from(text);
  if (chars.length <= room) return text;
  return room <= 3 ? chars.slice(0, room).join('') : `${chars.slice(0, room - 3).join('')}...`;
}

export interface StatusLine {
  /** Draws `text` over the previous line, cut to the terminal's width at the time. */
  update(text: string): void;
  /** Ends the line (a newline) if anything was drawn; later updates start a new line. */
  end(): void;
}

/** One line on `stream`, redrawn in place; does nothing when `statusMode` is off. */
export function openStatusLine(stream: StatusStream, env: NodeJS.ProcessEnv = process.env): StatusLine {
  const mode = statusMode(stream, env);
  if (mode === 'off') return { update: () => undefined, end: () => undefined };
  let drawn = 0;
  let open = false;
  return {
    update: (text) => {
      const line = fitToWidth(text, stream.columns);
      const length = Array.from(line).length;
      if (mode === 'ansi') stream.write(`\r\x1b[K${line}`);
      else stream.write(`\r${line}${' '.repeat(Math.max(0, drawn - length))}`);
      drawn = length;
      open = true;
    },
    end: () => {
      if (open) stream.write('\n');
      open = false;
      drawn = 0;
    },
  };
}
