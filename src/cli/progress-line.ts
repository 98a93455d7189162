import type { BuildProgress } from '../build/build-types.js';

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

/** One status line on stderr, redrawn in place; only when stderr is a terminal. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): { update: (progress: BuildProgress) => void; end: () => void } {
  if (!stream.isTTY) return { update: () => undefined, end: () => undefined };
  let drawn = false;
  return {
    update: (p) => {
      const width = 24;
      const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
      const eta = p.done === 0 || p.done >= p.total ? '--:--' : clock((p.elapsedMs / p.done) * (p.total - p.done));
      const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} items, ${p.segments} segments${failed}, ${clock(p.elapsedMs)} elapsed, ETA ${eta}  `);
      drawn = true;
    },
    end: () => {
      if (drawn) stream.write('\n');
    },
  };
}
