import type { BuildProgress } from '../build/build-types.js';
import { fitToWidth, openStatusLine, type StatusStream } from './status-line.js';

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

const BAR_WIDTH = 24;

/**
 * The build's status line for a terminal `columns` wide: the fullest form that fits (bar,
 * counts, elapsed, ETA), then without the bar, then the bare counts, cut as a last resort.
 */
export function formatBuildProgress(p: BuildProgress, columns: number | undefined): string {
  const filled = p.total === 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.round((p.done / p.total) * BAR_WIDTH));
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const eta = p.done === 0 || p.done >= p.total ? '--:--' : clock((p.elapsedMs / p.done) * (p.total - p.done));
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  const counts = `${p.done}/${p.total} items, ${p.segments} segments${failed}`;
  const forms = [
    `${bar} ${counts}, ${clock(p.elapsedMs)} elapsed, ETA ${eta}`,
    `${counts}, ${clock(p.elapsedMs)} elapsed, ETA ${eta}`,
    `${counts}, ETA ${eta}`,
    counts,
  ];
  for (const form of forms) if (fitToWidth(form, columns) === form) return form;
  return fitToWidth(counts, columns);
}

/** The build's progress on stderr, redrawn in place; nothing when stderr is not a terminal. */
export function progressLine(
  stream: StatusStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): { update: (progress: BuildProgress) => void; end: () => void } {
  const line = openStatusLine(stream, env);
  return {
    update: (progress) => line.update(formatBuildProgress(progress, stream.columns)),
    end: () => line.end(),
  };
}
