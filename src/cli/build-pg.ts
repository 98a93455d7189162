import type { BuildSummary } from '../build/build-types.js';
import type { TwelveLabsClient } from '../embed/index.js';
import { InputError } from '../errors.js';
import { openLibrary } from '../library/index.js';
import type { PgBuildOptions, PgBuildSummary } from '../library/pg-build.js';
import { redactUrl } from '../pg/redact.js';
import { abortOnSignals } from './abort-on-signal.js';
import { progressLine } from './progress-line.js';
import { escapeText } from './query.js';
import { info, printJson } from './shared-options.js';

export interface PgBuildRequest extends Omit<PgBuildOptions, 'signal' | 'onProgress' | 'say' | 'client'> {
  annotationFiles: readonly string[];
  crossModalEdges: boolean;
  json: boolean;
}

/** `vsearch build --lib postgres://...`: imports and embedded media written into the database, video by video. */
export async function buildPgCommand(
  url: string,
  request: PgBuildRequest,
  client: TwelveLabsClient | undefined,
  describeBuild: (built: BuildSummary) => string,
): Promise<void> {
  const shown = redactUrl(url);
  if (request.annotationFiles.length > 0)
    throw new InputError(
      `annotations are not supported on a PostgreSQL library yet (${shown}); import them into a folder library`,
    );
  if (request.crossModalEdges)
    throw new InputError(
      `--cross-modal-edges links a local HNSW graph; a PostgreSQL library (${shown}) searches pgvector's index`,
    );
  const { buildIntoPg } = await import('../library/pg-build.js');
  const interrupt = abortOnSignals();
  const progress = progressLine();
  let summary: PgBuildSummary;
  try {
    summary = await buildIntoPg(url, {
      ...request,
      client,
      signal: interrupt.signal,
      onProgress: progress.update,
      onWarning: (message) => info(`warning: ${escapeText(message)}`),
    });
  } finally {
    progress.end();
    interrupt.dispose();
  }
  const lib = await openLibrary(url);
  try {
    const stats = await lib.stats();
    const { imported, built, written } = summary;
    if (request.json)
      printJson({
        ...(imported === undefined ? {} : { imported }),
        ...(built === undefined ? {} : { built }),
        written,
        library: stats,
      });
    else {
      if (imported !== undefined)
        info(
          `imported ${imported.segments} segments of ${imported.videos} videos (${escapeText(imported.model)}) from ${imported.files} file(s)`,
        );
      if (built !== undefined) info(describeBuild(built));
      info(
        `wrote ${written.videos} video(s) (${written.segments} segments) to ${shown}; ${written.unchanged} already held alike`,
      );
      info(`${shown} now holds ${stats.segments} segments of ${stats.videos} videos`);
    }
  } finally {
    await lib.close();
  }
  if (summary.built !== undefined && summary.built.failures.length > 0) process.exitCode = 1;
}
